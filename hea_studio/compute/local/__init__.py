"""Atom-centred local entropy over the k nearest atoms (science.md 7)."""
