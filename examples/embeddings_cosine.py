"""Normalizing embedding vectors and ranking documents by cosine similarity.

Embeddings are stored as an ``Array(Float32, 384)`` column. Their lengths
carry no meaning (here: they vary 100-fold, as they do between models and
document lengths), and a raw dot product ranks long vectors first whatever
they are about. ``norm.vector_unit()`` scales every vector to length 1,
keeping ``Array(Float32, 384)``; the dot product of unit vectors is then the
cosine similarity, and ranking by it finds the documents on the query's topic.

    python examples/embeddings_cosine.py
"""

from __future__ import annotations

import numpy as np
import polars as pl

import polars_norm  # noqa: F401  (registers the `norm` namespace)

DIM = 384
rng = np.random.default_rng(11)
n_docs, n_topics = 20_000, 50

# Documents around topic directions, each with an arbitrary length.
topics = rng.standard_normal((n_topics, DIM)).astype(np.float32)
topic = rng.integers(0, n_topics, n_docs)
emb = topics[topic] + rng.standard_normal((n_docs, DIM)).astype(np.float32) * 2.0
emb *= np.exp(rng.uniform(np.log(0.05), np.log(5.0), (n_docs, 1))).astype(np.float32)
docs = pl.DataFrame(
    {
        "doc_id": np.arange(n_docs),
        "topic": topic,
        "emb": pl.Series(emb, dtype=pl.Array(pl.Float32, DIM)),
    }
)

# Normalize once, store the unit vectors (same dtype), and keep the lengths.
docs = docs.with_columns(
    length=pl.col("emb").norm.vector_norm(),
    unit=pl.col("emb").norm.vector_unit(),
)
print(docs.select("doc_id", "topic", "length", "unit").head(3))
print(docs.schema["unit"], "\n")

# The query: a rephrasing of a short document about topic 7 (its direction, slightly perturbed).
query_topic = 7
source = docs.filter(pl.col("topic") == query_topic).sort("length")["doc_id"][0]
direction = emb[source] / np.linalg.norm(emb[source])
noisy = (direction + rng.standard_normal(DIM) * (0.3 / np.sqrt(DIM))).astype(np.float32)
query = (
    pl.DataFrame({"q": pl.Series([noisy], dtype=pl.Array(pl.Float32, DIM))})
    .select(pl.col("q").norm.vector_unit())  # normalized by the same expression
    .to_series()
)

k = 10
ranked = docs.lazy().select(
    "doc_id",
    "topic",
    "length",
    cosine=pl.col("unit").arr.dot(pl.lit(query).first()),
    raw_dot=pl.col("emb").arr.dot(pl.lit(query).first()),
)
by_cosine = ranked.top_k(k, by="cosine").collect()
by_raw = ranked.top_k(k, by="raw_dot").collect()
print(f"Top {k} by cosine similarity to a rephrasing of document {source} (topic {query_topic}):")
print(by_cosine)
print(f"Top {k} by raw dot product:")
print(by_raw)
hits_cos = (by_cosine["topic"] == query_topic).sum()
raw_ids = by_raw["doc_id"].to_list()
raw_rank = f"number {raw_ids.index(source) + 1}" if source in raw_ids else f"below the top {k}"
print(
    f"The source document ranks first by cosine and {raw_rank} by raw dot product, which prefers long vectors "
    f"(mean length of its top {k}: {by_raw['length'].mean():.0f}; overall: {docs['length'].mean():.0f})."
)

# Sanity: unit length, dtype kept, the cosine equals numpy's, and it finds the topic.
assert docs.schema["unit"] == pl.Array(pl.Float32, DIM)
assert docs.select((pl.col("unit").norm.vector_norm() - 1.0).abs().max()).item() < 1e-5
e = emb.astype(np.float64)
q = query.to_numpy()[0].astype(np.float64)
np_cosine = e @ q / np.linalg.norm(e, axis=1)
assert np.allclose(ranked.collect()["cosine"].to_numpy(), np_cosine, atol=1e-5)
assert by_cosine["doc_id"][0] == source and by_raw["doc_id"][0] != source
assert hits_cos == k, "every top hit by cosine is on the query's topic"
print("ok: unit vectors, cosine equals numpy's, the source first, every top hit on its topic")
