"""hea_studio.plots package."""
