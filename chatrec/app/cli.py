"""The ``chatrec`` command line: prepare, serve, chat and profile tools, plus plug-ins.

A thin shell: every command builds `Settings` and calls library functions. Command groups
that live outside the product (``eval`` and ``bench``, from chatrec_eval) are plug-ins: they
register under the ``chatrec.commands`` entry-point group and are added at start-up, so
chatrec never imports them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import typer

from chatrec.app.settings import Settings

app = typer.Typer(help="chatrec: a local-first conversational recommender.",
                  no_args_is_help=True)
profile_app = typer.Typer(help="Export or import a user's profile.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")
PLUGIN_GROUP = "chatrec.commands"  # entry points naming a typer.Typer: `chatrec NAME ...`

DataOpt = typer.Option(None, "--data", help="Catalog name (ml-100k) or folder path.")
LmOpt = typer.Option(None, "--lm", help="smollm2, none, or a Hugging Face causal LM id/path.")
EmbedderOpt = typer.Option(None, "--embedder", help="minilm, lm-pooled or hashing.")


def _settings(data: str | None = None, lm: str | None = None, embedder: str | None = None,
              **extra: object) -> Settings:
    return Settings.from_env(data=data, lm=lm, embedder=embedder, **extra)


@app.command()
def prepare(data: str | None = DataOpt, lm: str | None = LmOpt,
            embedder: str | None = EmbedderOpt) -> None:
    """Cache item embeddings, fitted engine sources and the LM conversion (no-op when fresh)."""
    from chatrec.app.resources import prepare as run_prepare

    timings = run_prepare(_settings(data, lm, embedder))
    typer.echo("prepared: " + ", ".join(f"{k}={v:.2f}" for k, v in timings.items()))


def main() -> None:
    """Entry point used by ``python -m chatrec``."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app()


def _recommender(data: str | None, lm: str | None, embedder: str | None = None,
                 **extra: object):
    from chatrec.app.recommender import ChatRecommender

    return ChatRecommender.from_settings(_settings(data, lm, embedder, **extra))


@app.command()
def serve(data: str | None = DataOpt, lm: str | None = LmOpt,
          embedder: str | None = EmbedderOpt,
          host: str | None = typer.Option(None, help="Bind address (default 127.0.0.1)."),
          port: int | None = typer.Option(None, help="Port (default 7860)."),
          auth: list[str] | None = typer.Option(
              None, help="Require login: user:pass (repeat for more logins; each login name "
                         "has its own profile).")) -> None:
    """Serve the chat app in the browser."""
    from chatrec.app.ui import launch

    credentials = []
    for entry in auth or []:
        user, sep, password = entry.partition(":")
        if not sep or not user or not password:
            raise typer.BadParameter("--auth must look like user:pass")
        credentials.append((user, password))
    launch(_recommender(data, lm, embedder, host=host, port=port), auth=credentials or None)


@app.command()
def chat(data: str | None = DataOpt, lm: str | None = LmOpt,
         user: str | None = typer.Option(None, help="Reuse a user id.")) -> None:
    """Chat in the terminal, through the same API as the web app."""
    rec = _recommender(data, lm)
    user_id = user or rec.new_user_id()
    typer.echo(f"chatrec on {rec.dataset_name}; you are user {user_id}. Ctrl-D to quit.")
    while True:
        try:
            message = input("you> ")
        except EOFError:
            break
        turn = rec.respond(user_id, message)
        typer.echo(turn.text)
        for i, r in enumerate(turn.recommendations, start=1):
            typer.echo(f"  {i}. {r.title} ({r.year}) [{', '.join(r.genres)}] {r.explanation}")
        if turn.explanation:
            typer.echo(turn.explanation)


@profile_app.command("export")
def profile_export(user: str, output: Path | None = typer.Option(None, "--output"),
                   ) -> None:
    """Write everything stored about USER as JSON."""
    from chatrec.profile.store import ProfileStore

    data = ProfileStore(Settings.from_env().db_url).export(user)
    text = json.dumps(data, indent=2, default=str)
    if output:
        output.write_text(text)
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text)


@profile_app.command("import")
def profile_import(user: str, file: Path, data: str | None = DataOpt) -> None:
    """Seed USER's profile from a ratings CSV (MovieLens, letterboxd or title,rating)."""
    rec = _recommender(data, "none")
    report = rec.import_history(user, file)
    typer.echo(report.message)


def add_plugin_commands(target: typer.Typer, entries: Iterable[EntryPoint] | None = None
                        ) -> None:
    """Add every command group registered under `PLUGIN_GROUP` (or in ``entries``).

    A group that cannot be imported (an optional dependency missing, say) becomes a command
    that explains why in one line, instead of a traceback on every ``chatrec`` call.
    """
    found = entry_points(group=PLUGIN_GROUP) if entries is None else entries
    known = {info.name for info in target.registered_groups}
    known |= {info.name or info.callback.__name__.replace("_", "-")
              for info in target.registered_commands if info.callback is not None}
    for entry in sorted(found, key=lambda e: e.name):
        if entry.name in known:
            continue  # a built-in command group or an earlier plug-in keeps its name
        known.add(entry.name)
        try:
            group = entry.load()
        except ImportError as exc:
            _add_unavailable(target, entry.name, f"{entry.value} cannot be imported ({exc})")
            continue
        if isinstance(group, typer.Typer):
            target.add_typer(group, name=entry.name)
        else:
            _add_unavailable(target, entry.name, f"{entry.value} is not a typer.Typer")


def _add_unavailable(target: typer.Typer, name: str, reason: str) -> None:
    """A stand-in for command group ``name``: whatever follows it, say why it cannot run."""
    def unavailable() -> None:
        typer.echo(f"chatrec {name} is unavailable: {reason}. The optional commands come with "
                   "the [eval] extra: pip install -e '.[eval]'", err=True)
        raise typer.Exit(1)

    target.command(name, help=f"(unavailable: {reason})", add_help_option=False,
                   context_settings={"ignore_unknown_options": True,
                                     "allow_extra_args": True})(unavailable)


@app.command("train-spark")
def train_spark(data: str | None = DataOpt,
                master: str = typer.Option("local[*]", help="Spark master URL."),
                staging: Path | None = typer.Option(
                    None, help="Folder for the staged interactions (cluster-readable).")) -> None:
    """Train the ALS factors with Spark MLlib into the artifact cache (needs chatrec[spark])."""
    from chatrec.app.spark import SparkUnavailable
    from chatrec.app.spark import train_spark as run_train_spark
    from chatrec.domain.loaders import CatalogError

    try:
        folder = run_train_spark(_settings(data, "none"), master, staging=staging)
    except (SparkUnavailable, CatalogError) as exc:
        typer.echo(f"train-spark: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote Spark ALS factors to {folder}")


add_plugin_commands(app)
