"""Vector methods: the statistics inside one ``Array``/``List`` cell (embeddings)."""
