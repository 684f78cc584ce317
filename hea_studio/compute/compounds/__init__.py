"""Compounds (science.md 8): entropy per formula unit and per site of sublattices, and their SUME."""
