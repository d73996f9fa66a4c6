"""``chatrec bench …``: speed, memory and scale benchmarks (registered by `chatrec_eval.cli`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from chatrec_eval.cli_common import (
    DataOpt,
    EmbedderOpt,
    JsonOpt,
    LmOpt,
    int_list,
    require_eval_extra,
    scratch_recommender,
    settings,
    write_json,
)

bench_app = typer.Typer(help="Speed, memory and scale benchmarks.", no_args_is_help=True,
                        callback=require_eval_extra)


@bench_app.command("lm")
def bench_lm(backends: str = typer.Option(
                 "smollm2,llama:smollm2,openai:auto",
                 help="LM specs side by side; llama ones are skipped without llama-cpp-python; "
                      "openai:auto starts llama.cpp's server on loopback."),
             prompts: int = typer.Option(20, help="Recorded real turns every backend answers."),
             threads: int = typer.Option(1, help="Threads per backend."),
             modes: str = typer.Option("lead-in,grounded", help="lead-in, grounded, and their "
                                       "-unbudgeted forms (a 30 s budget, to judge the text)."),
             before: str | None = typer.Option(None, help="LABEL=PATH: smollm2 from an older "
                                               "chatrec checkout, as the first column."),
             json_path: Path | None = JsonOpt) -> None:
    """LM backends side by side on the same prompts: first token, tokens/s, gate, RSS, paths."""
    from chatrec_eval.lm_backends import compare_backends, format_backend_comparison, parse_backends

    chosen = parse_backends(backends, before)
    if not chosen:
        raise typer.BadParameter("no backend to run (llama ones need the [llama] extra)")
    result = compare_backends(chosen, prompts, threads, tuple(modes.split(",")),
                              settings("ml-100k", "none"))
    typer.echo(format_backend_comparison(result))
    write_json(json_path, result)


@bench_app.command("gate")
def bench_gate(data: str | None = DataOpt, lm: str | None = LmOpt,
               turns: int = typer.Option(50, help="Number of chat turns."),
               json_path: Path | None = JsonOpt) -> None:
    """The configured LM through the whole app: gate rejections and timings over chat turns."""
    from chatrec_eval.lm_bench import format_lm_bench, run_lm_bench

    with scratch_recommender(data, lm) as rec:
        result = run_lm_bench(rec, turns=turns)
    typer.echo(format_lm_bench(result))
    write_json(json_path, result)


@bench_app.command("engine")
def bench_engine(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
                 queries: int = typer.Option(200, help="Number of chat-like queries."),
                 json_path: Path | None = JsonOpt) -> None:
    """Candidate generation + rerank latency per turn (p50/p95), artifacts precomputed."""
    from chatrec.app.resources import load_resources
    from chatrec_eval.engine_bench import format_engine_bench, run_engine_bench

    resources = load_resources(settings(data, "none", embedder))
    result = run_engine_bench(resources.dataset, resources.item_vectors, n_queries=queries)
    typer.echo(format_engine_bench(result))
    write_json(json_path, result)


@bench_app.command("turn")
def bench_turn(data: str | None = DataOpt, lm: str | None = LmOpt,
               embedder: str | None = EmbedderOpt,
               turns: int = typer.Option(200, help="Number of chat turns."),
               json_path: Path | None = JsonOpt) -> None:
    """Whole-turn and per-stage latency through respond_stream (p50/p95), LM on or off."""
    from chatrec_eval.turn_bench import format_turn_bench, run_turn_bench

    with scratch_recommender(data, lm, embedder) as rec:
        result = run_turn_bench(rec, turns=turns)
    typer.echo(format_turn_bench(result))
    write_json(json_path, result)


@bench_app.command("parse")
def bench_parse(data: str = typer.Option("ml-100k", "--data", help="A real catalog, first row."),
                embedder: str | None = EmbedderOpt,
                sizes: str = typer.Option("10000,60000", help="Synthetic catalog sizes (titles)."),
                messages: int = typer.Option(200, help="Messages timed per catalog."),
                json_path: Path | None = JsonOpt) -> None:
    """Understanding a message (Parser.parse) against the catalog's number of titles."""
    from chatrec.app.resources import set_torch_threads
    from chatrec.models.embedder import load_embedder
    from chatrec_eval.parse_bench import format_parse_bench, run_parse_bench

    config = settings(data, "none", embedder)
    set_torch_threads(config.torch_threads)  # as the app does
    model = load_embedder(config.embedder, config.lm, config.cache_dir)
    result = run_parse_bench(model, int_list(sizes), messages, data)
    typer.echo(format_parse_bench(result))
    write_json(json_path, result)


@bench_app.command("startup")
def bench_startup(data: str = typer.Option("ml-100k", "--data", help="Catalog."),
                  lm: str = typer.Option("smollm2", "--lm", help="LM to load."),
                  warm_runs: int = typer.Option(3, help="Warm starts to time (median)."),
                  json_path: Path | None = JsonOpt) -> None:
    """Cold and warm time to ready in fresh processes, and a serving process's peak RSS."""
    from chatrec_eval.startup_bench import format_startup_bench, run_startup_bench

    result = run_startup_bench(data, lm, warm_runs=warm_runs)
    typer.echo(format_startup_bench(result))
    write_json(json_path, result)


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

    result = run_scale_bench(int_list(sizes), items, int_list(fit_items), turns,
                             embedder, threads, workdir)
    typer.echo(format_scale_bench(result))
    write_json(json_path, result)


@bench_app.command("load")
def bench_load(data: str = typer.Option("ml-100k", "--data", help="Catalog."),
               lm: str = typer.Option("none", "--lm", help="LM the served app uses."),
               sessions: str = typer.Option("1,4,16", help="Concurrency levels."),
               turns: int = typer.Option(5, help="Turns per session."),
               json_path: Path | None = JsonOpt) -> None:
    """Concurrent gradio_client sessions against a live app on 127.0.0.1."""
    from chatrec_eval.load_bench import format_load_bench, run_load_bench
    from chatrec_eval.startup_bench import bench_env

    cache = Path(settings(data, lm).cache_dir).resolve()  # the warm caches, as served
    with tempfile.TemporaryDirectory(prefix="chatrec-load-") as tmp:
        env = bench_env(data, lm, cache, Path(tmp) / "load.db")
        result = run_load_bench(env, Path(tmp) / "serve.log", int_list(sessions), turns)
    typer.echo(format_load_bench(result))
    write_json(json_path, result)
