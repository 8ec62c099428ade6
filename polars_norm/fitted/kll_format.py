"""DataSketches' KLL serialization layout: level capacities, writing a compacted sketch, reading and checking images.

All of it follows ``kll_sketch.hpp``, whose constants are written once here:

* :func:`total_capacity` is DataSketches' ``kll_helper::compute_total_capacity``;
* :func:`compacted_sketch` writes the levels that compacting a sorted batch
  leaves (see :mod:`polars_norm.fitted.sketch`) as a serialized
  ``kll_doubles_sketch`` in DataSketches' own format, which DataSketches then
  reads and merges; :func:`exact_items` reads the items of a sketch that still
  holds every value back out of that format;
* :func:`kll_problem` checks a serialized image before DataSketches reads it.
  DataSketches' ``kll_doubles_sketch.deserialize`` trusts the header of the
  bytes it is given, and some corrupt images crash the process; a statistics
  file (:mod:`polars_norm.fitted.statsfile`) holds such images in base64, so
  each one is checked against the layout before it is deserialized.
"""

from __future__ import annotations

import itertools
import math
import struct
from typing import Any

import numpy as np
from datasketches import kll_doubles_sketch

__all__ = ["compacted_sketch", "exact_items", "kll_problem", "total_capacity"]

#: DataSketches' KLL serialization constants (``kll_sketch.hpp``): the preamble
#: sizes, the serial versions (2 for a sketch of one value), the family, ``m``,
#: the flags, the header layouts and the most levels a sketch can have.
_PREAMBLE_INTS_SHORT = 2
_PREAMBLE_INTS_FULL = 5
_SERIAL_VERSION = 1
_SERIAL_VERSION_SINGLE = 2
_FAMILY_KLL = 15
_KLL_M = 8
_FLAG_EMPTY, _FLAG_SORTED, _FLAG_SINGLE = 1, 2, 4
_SHORT = struct.Struct("<BBBBHBB")  # preamble ints, serial version, family, flags, k, m, unused
_FULL = struct.Struct("<QHBB")  # then n, min_k, number of levels, unused
_HEADER = struct.Struct(_SHORT.format + _FULL.format[1:])  # the full header: both of them
_MAX_LEVELS = 61


def _level_capacity(k: int, depth: int) -> int:
    # kll_helper::int_cap_aux: round(k * (2/3)**depth), computed in integers as DataSketches does.
    def aux(k: int, depth: int) -> int:
        return int((((2 * k) << depth) // 3**depth + 1) >> 1)

    if depth <= 30:
        return max(_KLL_M, aux(k, depth))
    half = depth // 2
    return max(_KLL_M, aux(aux(k, half), depth - half))


def total_capacity(k: int, num_levels: int) -> int:
    """The item capacity of a KLL sketch with ``num_levels`` levels (``kll_helper::compute_total_capacity``)."""
    return sum(_level_capacity(k, num_levels - height - 1) for height in range(num_levels))


def compacted_sketch(
    values: np.ndarray[Any, np.dtype[np.float64]], k: int, rng: np.random.Generator
) -> kll_doubles_sketch:
    """A KLL sketch of the sorted, NaN-free ``values`` (more than ``k`` of them), built by compaction.

    Level ``j < h`` holds at most one item (set aside when that level had an
    odd size), level ``h`` at most ``k``; see :mod:`polars_norm.fitted.sketch` for the error.
    """
    n = values.size
    lo, hi = float(values[0]), float(values[-1])
    levels: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    a = values
    while a.size > k:
        if a.size % 2:
            take_last = bool(rng.integers(2))
            levels.append(a[-1:] if take_last else a[:1])
            a = a[:-1] if take_last else a[1:]
        else:
            levels.append(a[:0])
        a = a[int(rng.integers(2)) :: 2]  # a view: nothing is copied until the end
    levels.append(a)
    num_levels = len(levels)
    sizes = [level.size for level in levels]
    offsets = [total_capacity(k, num_levels) - sum(sizes)]
    for size in sizes[:-1]:
        offsets.append(offsets[-1] + size)
    header = _HEADER.pack(_PREAMBLE_INTS_FULL, _SERIAL_VERSION, _FAMILY_KLL, 0, k, _KLL_M, 0, n, k, num_levels, 0)
    image = b"".join(
        [header, struct.pack(f"<{num_levels}I", *offsets), struct.pack("<dd", lo, hi), np.concatenate(levels).tobytes()]
    )
    return kll_doubles_sketch.deserialize(image)


def exact_items(sk: kll_doubles_sketch, n: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The ``n`` items of a sketch not in estimation mode (each of weight 1), sorted, read off its serialization.

    The layout is DataSketches' KLL format that :func:`compacted_sketch`
    writes: the 20-byte header (``num_levels`` at byte 18), the level
    offsets (4 bytes each), the minimum and maximum, then the items. A
    single item is stored in a short form, and is the sketch's minimum.
    (Reading the bytes avoids a Python-level iteration over the sketch's items.)
    """
    if n == 1:
        return np.array([sk.get_min_value()], dtype=np.float64)
    blob = sk.serialize()
    start = _HEADER.size + 4 * blob[18] + 16
    return np.sort(np.frombuffer(blob, dtype=np.float64, offset=start, count=n))


def kll_problem(blob: bytes) -> str | None:
    """What makes ``blob`` other than a KLL sketch of doubles as DataSketches serializes one, or ``None``.

    DataSketches' own ``deserialize`` trusts the header of the bytes it is
    given (some corrupt images crash the process), so statistics files check
    the whole image first: the header, the level offsets against the
    capacity that ``k`` and the number of levels give, the exact size, the
    weights of the levels against ``n``, and that no item is NaN or outside
    the sketch's [min, max].

    Parameters
    ----------
    blob
        The bytes of a serialized sketch.

    Returns
    -------
    str or None
        The first problem found, in words; ``None`` for a sound image.

    Examples
    --------
    >>> from datasketches import kll_doubles_sketch
    >>> sk = kll_doubles_sketch(200)
    >>> for v in range(1000):
    ...     sk.update(float(v))
    >>> kll_problem(sk.serialize()) is None, kll_problem(sk.serialize()[:-8])
    (True, 'its size is 2632 bytes; 1000 values in 3 levels need 2640')
    """
    if len(blob) < _SHORT.size:
        return f"its size is {len(blob)} bytes, less than a header"
    preamble, version, family, flags, k, m, _ = _SHORT.unpack_from(blob)
    if family != _FAMILY_KLL or m != _KLL_M or k < _KLL_M or flags & ~(_FLAG_EMPTY | _FLAG_SORTED | _FLAG_SINGLE):
        return f"a header of family {family}, m={m}, k={k}, flags {flags:#04x}"
    if flags & _FLAG_EMPTY:
        ok = (preamble, version, len(blob), flags & _FLAG_SINGLE) == (
            _PREAMBLE_INTS_SHORT,
            _SERIAL_VERSION,
            _SHORT.size,
            0,
        )
        return None if ok else "a bad header or size for an empty sketch"
    if flags & _FLAG_SINGLE:
        if (preamble, version, len(blob)) != (_PREAMBLE_INTS_SHORT, _SERIAL_VERSION_SINGLE, _SHORT.size + 8):
            return "a bad header or size for a sketch of one value"
        return "its value is NaN" if math.isnan(struct.unpack_from("<d", blob, _SHORT.size)[0]) else None
    head = _HEADER.size
    if (preamble, version) != (_PREAMBLE_INTS_FULL, _SERIAL_VERSION) or len(blob) < head:
        return "a bad header for a sketch of several values"
    n, min_k, num_levels, _ = _FULL.unpack_from(blob, _SHORT.size)
    if not _KLL_M <= min_k <= k or not 1 <= num_levels <= _MAX_LEVELS:
        return f"a header with k={k}, min_k={min_k} and {num_levels} levels"
    capacity = total_capacity(k, num_levels)
    if len(blob) < head + 4 * num_levels + 16:
        return f"its size is {len(blob)} bytes, too short for the header of {num_levels} levels"
    starts = struct.unpack_from(f"<{num_levels}I", blob, head)
    bounds = [*starts, capacity]
    if any(a > b for a, b in itertools.pairwise(bounds)):
        return f"level offsets {list(starts)} that do not fit its capacity of {capacity} values"
    items_at = head + 4 * num_levels + 16
    size = items_at + 8 * (capacity - starts[0])
    if len(blob) != size:
        return f"its size is {len(blob)} bytes; {n} values in {num_levels} levels need {size}"
    weight = sum((bounds[i + 1] - bounds[i]) << i for i in range(num_levels))
    if weight != n:
        return f"its levels hold a weight of {weight} values, not n={n}"
    lo, hi = struct.unpack_from("<dd", blob, items_at - 16)
    items = np.frombuffer(blob, dtype="<f8", offset=items_at)
    if not lo <= hi or np.isnan(items).any() or (items.size and (items.min() < lo or items.max() > hi)):
        return "NaN values, or values outside its [min, max]"
    return None
