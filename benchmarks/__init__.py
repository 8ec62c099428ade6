"""Side-by-side benchmarks of polars-norm against the alternatives (``python -m benchmarks``, see ``run.py``)."""
