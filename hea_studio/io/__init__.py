"""hea_studio.io package."""
