"""Range files (``.rrng``, ``.rng``, ``.env``) and ranging ions into atoms."""
