"""``python -m chatrec_eval eval|bench …``: the same commands without the entry points (useful
when the installed metadata predates them, e.g. a source tree on PYTHONPATH)."""

from __future__ import annotations

import logging

import typer

from chatrec_eval.cli import bench_app, eval_app

app = typer.Typer(help="chatrec's evaluations and benchmarks.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app()
