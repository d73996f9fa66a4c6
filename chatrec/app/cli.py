"""The ``chatrec`` command line: prepare, serve, chat, eval, bench and profile tools.

A thin shell: every command builds `Settings` and calls library functions.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from chatrec.app.settings import Settings

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
    """Save a result with the command line that produced it and the machine it ran on."""
    if path is not None:
        from chatrec_eval.report import machine_info

        result = {**result, "command": "chatrec " + shlex.join(sys.argv[1:]),
                  "machine": machine_info()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2, default=float))
        typer.echo(f"wrote {path}")


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


@contextmanager
def _scratch_recommender(data: str | None, lm: str | None, embedder: str | None = None
                         ) -> Iterator:
    """A recommender whose profile store is a throwaway SQLite file (for benchmarks)."""
    with tempfile.TemporaryDirectory(prefix="chatrec-bench-") as tmp:
        rec = _recommender(data, lm, embedder, db_url=f"sqlite:///{tmp}/bench.db")
        try:
            yield rec
        finally:
            rec.close()


@app.command()
def serve(data: str | None = DataOpt, lm: str | None = LmOpt,
          embedder: str | None = EmbedderOpt,
          host: str | None = typer.Option(None, help="Bind address (default 127.0.0.1)."),
          port: int | None = typer.Option(None, help="Port (default 7860)."),
          auth: str | None = typer.Option(None, help="Require login: user:pass.")) -> None:
    """Serve the chat app in the browser."""
    from chatrec.app.ui import launch

    credentials = None
    if auth:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise typer.BadParameter("--auth must look like user:pass")
        credentials = (user, password)
    launch(_recommender(data, lm, embedder, host=host, port=port), auth=credentials)


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


@eval_app.command("nlu")
def eval_nlu(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
             json_path: Path | None = JsonOpt) -> None:
    """Intent accuracy and slot precision/recall/F1 on tests/data/utterances.jsonl."""
    from chatrec.app.resources import load_resources
    from chatrec_eval.nlu import format_nlu_report, run_nlu_eval

    resources = load_resources(_settings(data, "none", embedder))
    result = run_nlu_eval(resources.dataset, resources.embedder)
    typer.echo(format_nlu_report(result))
    _write_json(json_path, result)


@bench_app.command("lm")
def bench_lm(data: str | None = DataOpt, lm: str | None = LmOpt,
             turns: int = typer.Option(50, help="Number of chat turns."),
             json_path: Path | None = JsonOpt) -> None:
    """Gate rejection rate and LM timings over real chat turns."""
    from chatrec_eval.lm_bench import format_lm_bench, run_lm_bench

    with _scratch_recommender(data, lm) as rec:
        result = run_lm_bench(rec, turns=turns)
    typer.echo(format_lm_bench(result))
    _write_json(json_path, result)


@eval_app.command("offline")
def eval_offline(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
                 lm: str | None = LmOpt, seed: int = typer.Option(2020, help="Split seed."),
                 json_path: Path | None = JsonOpt) -> None:
    """Every candidate source and the hybrid under RecBole's protocol (80/10/10, full ranking).

    ``--embedder lm-pooled`` embeds items with the hidden states of ``--lm``.
    """
    from chatrec.app.resources import load_resources
    from chatrec_eval.offline import format_offline_table, run_offline_eval

    resources = load_resources(_settings(data, lm, embedder))
    result = run_offline_eval(resources.dataset, resources.item_vectors, seed=seed)
    typer.echo(format_offline_table(result))
    _write_json(json_path, result)


@eval_app.command("chat")
def eval_chat(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
              users: int = typer.Option(300, help="Simulated users per mode."),
              turns: int = typer.Option(5, help="Turns per conversation."),
              seed: int = typer.Option(0, help="Sampling seed."),
              json_path: Path | None = JsonOpt) -> None:
    """Simulated users who speak in words (cold and warm), with ablations."""
    from chatrec_eval.chat_eval import format_chat_report, run_chat_eval

    result = run_chat_eval(_settings(data, "none", embedder), users=users, turns=turns,
                           seed=seed)
    typer.echo(format_chat_report(result))
    _write_json(json_path, result)


@bench_app.command("engine")
def bench_engine(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
                 queries: int = typer.Option(200, help="Number of chat-like queries."),
                 json_path: Path | None = JsonOpt) -> None:
    """Candidate generation + rerank latency per turn (p50/p95), artifacts precomputed."""
    from chatrec.app.resources import load_resources
    from chatrec_eval.engine_bench import format_engine_bench, run_engine_bench

    resources = load_resources(_settings(data, "none", embedder))
    result = run_engine_bench(resources.dataset, resources.item_vectors, n_queries=queries)
    typer.echo(format_engine_bench(result))
    _write_json(json_path, result)


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"expected comma-separated integers, got {text!r}") from None


@bench_app.command("turn")
def bench_turn(data: str | None = DataOpt, lm: str | None = LmOpt,
               embedder: str | None = EmbedderOpt,
               turns: int = typer.Option(200, help="Number of chat turns."),
               json_path: Path | None = JsonOpt) -> None:
    """Whole-turn and per-stage latency through respond_stream (p50/p95), LM on or off."""
    from chatrec_eval.turn_bench import format_turn_bench, run_turn_bench

    with _scratch_recommender(data, lm, embedder) as rec:
        result = run_turn_bench(rec, turns=turns)
    typer.echo(format_turn_bench(result))
    _write_json(json_path, result)


@bench_app.command("startup")
def bench_startup(data: str = typer.Option("ml-100k", "--data", help="Catalog."),
                  lm: str = typer.Option("smollm2", "--lm", help="LM to load."),
                  warm_runs: int = typer.Option(3, help="Warm starts to time (median)."),
                  json_path: Path | None = JsonOpt) -> None:
    """Cold and warm time to ready in fresh processes, and a serving process's peak RSS."""
    from chatrec_eval.startup_bench import format_startup_bench, run_startup_bench

    result = run_startup_bench(data, lm, warm_runs=warm_runs)
    typer.echo(format_startup_bench(result))
    _write_json(json_path, result)


@bench_app.command("scale")
def bench_scale(sizes: str = typer.Option("1000000,5000000,25000000",
                                          help="Synthetic sizes (ratings)."),
                items: int = typer.Option(60_000, help="Items in every synthetic catalog."),
                fit_items: str = typer.Option("2500,5000,10000,20000",
                                              help="Catalog sizes of the source-fit table."),
                turns: int = typer.Option(200, help="Turns timed per size."),
                embedder: str = typer.Option("minilm", "--embedder", help="Embedder."),
                threads: int = typer.Option(2, help="Torch threads while preparing."),
                workdir: Path | None = typer.Option(None, help="Scratch folder (GBs at 25M)."),
                json_path: Path | None = JsonOpt) -> None:
    """Prepare time, peak RSS and turn p50/p95 on synthetic MovieLens data (1M-25M ratings)."""
    from chatrec_eval.scale_bench import format_scale_bench, run_scale_bench

    result = run_scale_bench(_int_list(sizes), items, _int_list(fit_items), turns,
                             embedder, threads, workdir)
    typer.echo(format_scale_bench(result))
    _write_json(json_path, result)


@bench_app.command("load")
def bench_load(data: str = typer.Option("ml-100k", "--data", help="Catalog."),
               lm: str = typer.Option("none", "--lm", help="LM the served app uses."),
               sessions: str = typer.Option("1,4,16", help="Concurrency levels."),
               turns: int = typer.Option(5, help="Turns per session."),
               json_path: Path | None = JsonOpt) -> None:
    """Concurrent gradio_client sessions against a live app on 127.0.0.1."""
    from chatrec_eval.load_bench import format_load_bench, run_load_bench
    from chatrec_eval.startup_bench import bench_env

    cache = Path(_settings(data, lm).cache_dir).resolve()  # the warm caches, as served
    with tempfile.TemporaryDirectory(prefix="chatrec-load-") as tmp:
        env = bench_env(data, lm, cache, Path(tmp) / "load.db")
        result = run_load_bench(env, Path(tmp) / "serve.log", _int_list(sessions), turns)
    typer.echo(format_load_bench(result))
    _write_json(json_path, result)


@eval_app.command("report")
def eval_report(results: Path = typer.Option(Path("docs/results"), help="Saved JSON folder."),
                output: Path = typer.Option(Path("docs/benchmarks.md"), "--output",
                                            help="Markdown file (plots go beside it).")) -> None:
    """Write docs/benchmarks.md and its PNG plots from the saved JSON results (no reruns)."""
    from chatrec_eval.report import write_report

    typer.echo(f"wrote {write_report(results, output)}")


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
