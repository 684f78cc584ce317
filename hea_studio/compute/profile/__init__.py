"""Composition profiles along an axis of a box or cylinder."""
