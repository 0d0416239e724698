"""Lacak: tracking links, the public page and RW answer, follow-up measures and the RW news digest."""
