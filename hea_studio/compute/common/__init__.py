"""What several compute domains share: chunked passes over all atoms, the specimen outline, the 3D view's sample, the ``njit`` they use."""
