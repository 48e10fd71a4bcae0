"""The container image's own entry points: the Lambda bootstrap and the build-time numba warm-up."""
