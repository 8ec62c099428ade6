"""Row-wise methods: the statistics of the columns of one row (layer normalization, quantile normalization)."""
