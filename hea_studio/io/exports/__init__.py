"""Result exports in community formats (NeXus)."""
