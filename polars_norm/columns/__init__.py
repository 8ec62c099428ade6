"""Column-wise methods: the statistics of a whole column (or of each group under ``.over``)."""
