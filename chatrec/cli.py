"""The ``chatrec`` command line: prepare, serve, chat, eval, bench and profile tools.

A thin shell: every command builds `Settings` and calls library functions.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Optional

import typer

from chatrec.settings import Settings

app = typer.Typer(help="chatrec: a local-first conversational movie recommender.",
                  no_args_is_help=True)
eval_app = typer.Typer(help="Offline, NLU and simulated-chat evaluations.", no_args_is_help=True)
bench_app = typer.Typer(help="Speed, memory and scale benchmarks.", no_args_is_help=True)
profile_app = typer.Typer(help="Export or import a user's profile.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(bench_app, name="bench")
app.add_typer(profile_app, name="profile")

DataOpt = typer.Option(None, "--data", help="Catalog name (ml-100k) or folder path.")
LmOpt = typer.Option(None, "--lm", help="smollm2, none, or a Hugging Face causal LM id/path.")
EmbedderOpt = typer.Option(None, "--embedder", help="minilm, lm-pooled or hashing.")
JsonOpt = typer.Option(None, "--json", help="Also write the results to this JSON file.")


def _settings(data: str | None = None, lm: str | None = None, embedder: str | None = None,
              **extra: object) -> Settings:
    return Settings.from_env(data=data, lm=lm, embedder=embedder, **extra)


def _write_json(path: Path | None, result: dict) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2, default=float))
        typer.echo(f"wrote {path}")


@app.command()
def prepare(data: Optional[str] = DataOpt, lm: Optional[str] = LmOpt,  # noqa: UP045
            embedder: Optional[str] = EmbedderOpt) -> None:  # noqa: UP045
    """Compute and cache item embeddings and the LM conversion (a no-op when up to date)."""
    from chatrec.resources import prepare as run_prepare

    timings = run_prepare(_settings(data, lm, embedder))
    typer.echo("prepared: " + ", ".join(f"{k}={v:.2f}" for k, v in timings.items()))


def main() -> None:
    """Entry point used by ``python -m chatrec``."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app()
