"""Griffe extension for the docs build: the reST in docstrings, rendered as Markdown.

The docstrings are numpydoc with a little reStructuredText, so that they read
well in ``help()`` and IDEs. mkdocstrings renders Markdown, where reST would
show up verbatim, so this rewrites each docstring when it is loaded (the
sources are not touched):

* roles (``:func:`zscore```, ``:mod:`polars_norm.semantics```) become
  cross-references to the object's canonical path when the API reference
  renders that object (``[`zscore`][polars_norm.columns.scaling.zscore]``), and plain
  code otherwise (private helpers, internal modules); ``mkdocs build
  --strict`` fails if a link made here has no target;
* ``:math:`x``` and ``.. math::`` blocks become MathJax (``pymdownx.arithmatex``);
* simple tables (``=====  =====`` borders) become Markdown tables;
* a literal block introduced by ``::`` becomes a code block;
* citations (``.. [1] Author...``) become a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|meth|class|mod|data|attr|obj):`~?([^`]+)`")
MATH_ROLE = re.compile(r":math:`([^`]+)`")
BORDER = re.compile(r"^( *)=+( +=+)+ *$")
CITATION = re.compile(r"^( *)\.\. \[([^\]]+)\] ")

#: Modules whose public members (``__all__``) the API reference renders, with the modules themselves.
RENDERED = (
    "polars_norm.columns.scaling",
    "polars_norm.columns.robust",
    "polars_norm.columns.norms",
    "polars_norm.columns.ranks",
    "polars_norm.columns.power",
    "polars_norm.windows.rolling",
    "polars_norm.windows.rolling_by",
    "polars_norm.windows.expanding",
    "polars_norm.windows.ewm",
    "polars_norm.windows.ewm_by",
    "polars_norm.rows.scaling",
    "polars_norm.rows.norms",
    "polars_norm.vectors.norms",
    "polars_norm.vectors.zscore",
    "polars_norm.rows.quantile_normalization",
    "polars_norm.namespace",
    "polars_norm.fitted.accumulator",
    "polars_norm.fitted.fit",
    "polars_norm.fitted.transform",
    "polars_norm.cli",
    "polars_norm.semantics",
    "polars_norm.semantics.dtypes",
    "polars_norm.semantics.nan",
    "polars_norm.semantics.scales",
    "polars_norm.semantics.checks",
    "polars_norm.special",
    "polars_norm.ray.datasets",
    "polars_norm.ray.files",
    "polars_norm.ray.preprocessor",
)


# --------------------------------------------------------------------------
# roles -> cross-references
# --------------------------------------------------------------------------
def _walk(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, griffe.Object):
            yield from _walk(member)


def _lookup(pkg: griffe.Module, path: str) -> Any:
    obj: Any = pkg
    for part in path.split(".")[1:]:
        obj = obj.members[part]
    return obj


def _target(obj: griffe.Object, name: str, pkg: griffe.Module) -> Any:
    """The object ``name`` refers to as seen from ``obj`` (itself, then its parents), or None."""
    parts = name.split(".")
    start: Any = None
    if parts[0] == pkg.name:
        start = pkg
    else:
        scope: Any = obj
        while scope is not None and start is None:
            if parts[0] in scope.members:
                start = scope.members[parts[0]]
            scope = scope.parent
    if start is None:
        return None
    try:
        target = start
        for part in parts[1:]:
            target = target.members[part]
        return target.final_target if target.is_alias else target
    except Exception:  # an unresolvable (external) alias, a missing member
        return None


class _Rendered:
    """Which objects the API reference renders: public members of ``RENDERED`` modules, with a docstring."""

    def __init__(self, pkg: griffe.Module) -> None:
        self.public: dict[str, set[str]] = {}
        for module in RENDERED:
            mod = _lookup(pkg, module)
            exports = mod.exports
            self.public[module] = {str(e) for e in exports} if exports is not None else set(mod.members)

    def __contains__(self, target: Any) -> bool:
        path = str(target.path)
        if any(part.startswith("_") for part in path.split(".")):
            return False
        if not target.is_module and target.docstring is None:
            return False
        # the innermost rendered module: polars_norm.semantics.dtypes renders its members, not polars_norm.semantics
        module = max((m for m in RENDERED if path == m or path.startswith(m + ".")), key=len, default=None)
        if module is None:
            return False
        return path == module or path[len(module) + 1 :].split(".")[0] in self.public[module]


# --------------------------------------------------------------------------
# reST blocks -> Markdown
# --------------------------------------------------------------------------
def _simple_table(lines: list[str]) -> list[str]:
    """A reST simple table (border, header, border, rows, border) as a Markdown table."""
    border = lines[0]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    indent = border[: spans[0][0]]

    def cells(line: str) -> list[str]:
        out = []
        for i, (start, end) in enumerate(spans):
            stop = spans[i + 1][0] if i + 1 < len(spans) else max(end, len(line))
            out.append(line[start:stop].strip())
        return out

    rows: list[list[str]] = []
    for line in lines[1:]:
        if BORDER.match(line) or not line.strip():
            continue
        parts = cells(line)
        if parts[0] or not rows:
            rows.append(parts)
        else:  # a continuation line: its first cell is empty
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], parts, strict=True)]
    header, body = rows[0], rows[1:]
    out = [indent + "| " + " | ".join(header) + " |", indent + "|" + " --- |" * len(header)]
    out += [indent + "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
    return out


def _indented_block(lines: list[str], start: int, indent: int) -> int:
    """The end of the block of lines indented deeper than ``indent`` from ``start`` (blank lines included)."""
    end = start
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def rest_to_markdown(text: str) -> str:
    """Rewrite the reST blocks of a docstring (tables, math, literal blocks, citations) as Markdown."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if BORDER.match(line):
            # header, second border, rows, closing border
            borders = [j for j in range(i, len(lines)) if BORDER.match(lines[j])][:3]
            if len(borders) == 3:
                out += _simple_table(lines[i : borders[2] + 1])
                i = borders[2] + 1
                continue
        if stripped == ".. math::":
            end = _indented_block(lines, i + 1, indent)
            body = [ln.strip() for ln in lines[i + 1 : end] if ln.strip()]
            out += [" " * indent + "$$", *(" " * indent + b for b in body), " " * indent + "$$"]
            i = end
            continue
        if stripped.endswith("::") and not stripped.startswith(".."):
            end = _indented_block(lines, i + 1, indent)
            text_part = line.rstrip()[:-2].rstrip()
            if text_part.strip():
                out.append(text_part + ":")
            block = lines[i + 1 : end]
            while block and not block[0].strip():
                block = block[1:]
            deepest = min((len(b) - len(b.lstrip()) for b in block if b.strip()), default=indent)
            out += ["", " " * indent + "```text"]
            out += [" " * indent + b[deepest:] if b.strip() else "" for b in block]
            out += [" " * indent + "```"]
            i = end
            continue
        citation = CITATION.match(line)
        if citation:
            out.append(f"{citation.group(1)}- \\[{citation.group(2)}\\] {line[citation.end() :]}")
            i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class SphinxRoles(griffe.Extension):
    """Rewrite the reST of every docstring of the package into Markdown."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        rendered = _Rendered(pkg)
        for obj in _walk(pkg):
            docstring = obj.docstring
            if docstring is None:
                continue

            def role(match: re.Match[str], obj: griffe.Object = obj) -> str:
                name = match.group(1)
                target = _target(obj, name, pkg)
                if target is not None and target in rendered:
                    return f"[`{name}`][{target.path}]"
                return f"`{name}`"

            value = rest_to_markdown(docstring.value)
            value = MATH_ROLE.sub(lambda m: f"${m.group(1)}$", value)
            docstring.value = ROLE.sub(role, value)
