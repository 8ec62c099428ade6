"""Window methods: the statistics of the rows before (and at) each row.

By row count (rolling), by time or index (``_by``), expanding, or exponentially weighted.
"""
