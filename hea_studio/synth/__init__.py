"""hea_studio.synth package."""
