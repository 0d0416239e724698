"""Rotasi: the rotation planner and the data it reads and writes."""
