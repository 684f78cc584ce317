"""HEA Studio project files and the session recovery copy."""
