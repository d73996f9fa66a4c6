"""What the ``chatrec eval`` and ``chatrec bench`` commands share: the [eval] extra check, the
common options, throwaway recommenders and saving results with their provenance."""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chatrec import Settings

if TYPE_CHECKING:  # the recommender pulls in torch: import it only when a command runs
    from chatrec import ChatRecommender

# The third-party modules of pyproject's [eval] extra (tests/test_packaging.py keeps the two
# lists equal): only the benches and the report need them, the product does not.
EVAL_REQUIREMENTS = ("matplotlib", "psutil", "gradio_client")
INSTALL_HINT = "pip install -e '.[eval]'"


def missing_requirements() -> list[str]:
    """The [eval] modules that cannot be imported here (found without importing them)."""
    return [name for name in EVAL_REQUIREMENTS if importlib.util.find_spec(name) is None]


def require_eval_extra() -> None:
    """Stop with a one-line message when the [eval] extra is not installed."""
    missing = missing_requirements()
    if missing:
        typer.echo(f"chatrec eval and bench need {', '.join(missing)} (the [eval] extra): "
                   f"run {INSTALL_HINT}", err=True)
        raise typer.Exit(1)


DataOpt = typer.Option(None, "--data", help="Catalog name (ml-100k) or folder path.")
LmOpt = typer.Option(None, "--lm", help="smollm2, none, or a Hugging Face causal LM id/path.")
EmbedderOpt = typer.Option(None, "--embedder", help="minilm, lm-pooled or hashing.")
JsonOpt = typer.Option(None, "--json", help="Also write the results to this JSON file.")


def command_line() -> str:
    """The ``chatrec …`` command this process runs, as a shell line."""
    return "chatrec " + shlex.join(sys.argv[1:])


def write_json(path: Path | None, result: dict) -> None:
    """Save a result with the command line that produced it and the machine it ran on."""
    if path is not None:
        from chatrec_eval.machine import machine_info

        result = {**result, "command": command_line(), "machine": machine_info()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2, default=float))
        typer.echo(f"wrote {path}")


def settings(data: str | None = None, lm: str | None = None, embedder: str | None = None,
             **extra: object) -> Settings:
    """`Settings` from the environment, with the options given on the command line."""
    return Settings.from_env(data=data, lm=lm, embedder=embedder, **extra)


@contextmanager
def scratch_recommender(data: str | None, lm: str | None, embedder: str | None = None
                        ) -> Iterator[ChatRecommender]:
    """A recommender whose profile store is a throwaway SQLite file (for benchmarks)."""
    from chatrec import ChatRecommender

    with tempfile.TemporaryDirectory(prefix="chatrec-bench-") as tmp:
        rec = ChatRecommender.from_settings(
            settings(data, lm, embedder, db_url=f"sqlite:///{tmp}/bench.db"))
        try:
            yield rec
        finally:
            rec.close()


def int_list(text: str) -> tuple[int, ...]:
    """``"1,4,16"`` -> (1, 4, 16), or a usage error naming the text."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"expected comma-separated integers, got {text!r}") from None
