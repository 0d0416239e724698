"""Demo data: generate and clear."""
