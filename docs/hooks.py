"""MkDocs hooks for the docs build.

``<!-- cli-help -->`` and ``<!-- cli-help COMMAND -->`` in a page are replaced
by the ``--help`` text of ``polars-norm`` (or of its subcommand), taken from
the installed argument parser, so the command-line reference never drifts
from the code.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from typing import Any

MARKER = re.compile(r"<!-- cli-help(?: (?P<command>[a-z]+))? -->")


def cli_help(command: str | None) -> str:
    """The ``--help`` text of ``polars-norm [COMMAND]``, at a fixed width."""
    from polars_norm.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width
    out = io.StringIO()
    argv = [command, "--help"] if command else ["--help"]
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        build_parser().parse_args(argv)
    return out.getvalue().rstrip()


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    def replace(match: re.Match[str]) -> str:
        return "```text\n" + cli_help(match.group("command")) + "\n```"

    return MARKER.sub(replace, markdown)
