"""Window normalization batch by batch, with the state carried from one batch to the next.

:class:`~polars_norm.batches.normalizer.WindowNormalizer` applies a window
method of :mod:`polars_norm.windows` to batches in row order, per group, and
keeps what the next batch needs; its state saves to a checksummed JSON file
(:mod:`polars_norm.batches.state`). A layer above the windows and the fitted
statistics, whose key and checksum codecs it reuses.
"""
