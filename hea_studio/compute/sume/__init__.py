"""The smallest unit of maximal entropy (science.md 5): the fits, the estimates with their interval, the warnings."""
