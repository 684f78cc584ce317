"""The random-mixing reference (science.md 4, 6): expected entropy of random atoms and of random molecular ions, and the frequency-distribution test against random mixing."""
