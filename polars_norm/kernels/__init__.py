"""Kernels behind ``map_batches`` (numpy), their thread pool, and workarounds for Polars limitations."""
