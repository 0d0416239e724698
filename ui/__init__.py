"""UI-side adapters: Streamlit caching, formatting and shared page components."""
