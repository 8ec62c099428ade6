"""``python -m polars_norm``: the ``polars-norm`` command line."""

from polars_norm.cli import run

if __name__ == "__main__":
    run()
