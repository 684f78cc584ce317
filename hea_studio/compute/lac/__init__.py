"""The limited-area calculation (science.md 3): prepared sub-volumes, counts per cube, entropy versus cube edge, live previews."""
