"""APT ion files: ``.pos``, ``.epos``, ``.apt`` (memory-mapped), their plausibility checks and extent."""
