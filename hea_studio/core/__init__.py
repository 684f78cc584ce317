"""Data model of HEA Studio: plain value objects, no Qt, no vispy, no I/O."""
