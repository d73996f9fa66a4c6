"""``chatrec eval …`` and ``chatrec bench …``: the command groups this package plugs into chatrec.

chatrec never imports chatrec_eval. pyproject.toml registers `eval_app` and `bench_app` under
the ``chatrec.commands`` entry-point group, and ``chatrec.app.cli`` adds whatever is registered
there. Both groups first check that the ``[eval]`` extra is installed and otherwise say, in one
line, how to install it.
"""

from __future__ import annotations

import datetime as dt
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


eval_app = typer.Typer(help="Offline, NLU and simulated-chat evaluations.", no_args_is_help=True,
                       callback=require_eval_extra)
bench_app = typer.Typer(help="Speed, memory and scale benchmarks.", no_args_is_help=True,
                        callback=require_eval_extra)

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


@eval_app.command("nlu")
def eval_nlu(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
             files: list[Path] | None = typer.Option(
                 None, "--file", help="Labelled JSONL file (repeatable); default: "
                 "tests/data/utterances.jsonl, tests/data/nlu/dev.jsonl, dev_questions.jsonl, "
                 "dev3.jsonl, dev4.jsonl, dev5.jsonl, dev6.jsonl, dev7.jsonl and heldout.jsonl."),
             dialogue: bool = typer.Option(True, help="Also play every line through a real "
                                           "recommender (dead ends, what gets stored)."),
             lm: str | None = typer.Option(
                 None, "--lm", help="Also parse with the LM's catalog-restricted delta on this "
                 "backend (smollm2, llama:smollm2, openai:URL) and report slot P/R without and "
                 "with it, side by side (no dialogue replay)."),
             thresholds: str | None = typer.Option(
                 None, "--lm-thresholds", help="min_calibrated,min_margin for the likelihood "
                 "proposer (default: the tuned ones)."),
             tune: Path | None = typer.Option(
                 None, "--tune", help="With --lm: sweep the thresholds on this development "
                 "file (a frozen held-out file is refused)."),
             json_path: Path | None = JsonOpt) -> None:
    """Intent accuracy, slot precision/recall per slot type, reaction acts and dead ends, per
    labelled file (a frozen held-out file reports failure counts only)."""
    from chatrec_eval.nlu import DEFAULT_FILES, format_files_report, run_nlu_files

    with scratch_recommender(data, "none", embedder) as rec:
        if lm and lm.strip().lower() != "none":
            from chatrec_eval.nlu_lm import nlu_with_lm

            try:
                result = nlu_with_lm(rec, lm, thresholds, tune, tuple(files or DEFAULT_FILES),
                                     typer.echo)
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from None
        else:
            result = run_nlu_files(rec, tuple(files or DEFAULT_FILES), dialogue=dialogue)
            typer.echo(format_files_report(result))
    write_json(json_path, result)


@eval_app.command("offline")
def eval_offline(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
                 lm: str | None = LmOpt, seed: int = typer.Option(2020, help="Split seed."),
                 seeds: str = typer.Option(
                     "", "--seeds", help="Comma-separated split seeds (e.g. 2020,2021,2022): "
                     "every model's mean and spread over them; overrides --seed."),
                 json_path: Path | None = JsonOpt,
                 weights_out: Path | None = typer.Option(
                     None, "--weights-out",
                     help="Write the chosen blend weights to this TOML file (the engine's "
                          "chatrec/rank/blend_weights.toml changes only if this names it).")
                 ) -> None:
    """Every candidate source and the hybrid under RecBole's protocol (80/10/10, full ranking).

    ``--embedder lm-pooled`` embeds items with the hidden states of ``--lm``. With
    ``--seeds``, ``--json`` holds the means, spreads and per-seed results, and
    ``--weights-out`` the blend chosen on the first seed's validation part.
    """
    from chatrec.app.resources import load_resources
    from chatrec_eval.offline import format_offline_table, run_offline_eval
    from chatrec_eval.offline_seeds import format_seeds_table, parse_seeds, run_offline_seeds
    from chatrec_eval.offline_weights import write_tuned_weights

    try:
        chosen = parse_seeds(seeds) if seeds else (seed,)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    resources = load_resources(settings(data, lm, embedder))
    if len(chosen) == 1:
        result = first = run_offline_eval(resources.dataset, resources.item_vectors,
                                          seed=chosen[0])
        typer.echo(format_offline_table(result))
    else:
        result, runs = run_offline_seeds(resources.dataset, resources.item_vectors, chosen)
        first = runs[0]
        for run in runs:
            typer.echo(f"seed {run['protocol']['seed']}\n{format_offline_table(run)}\n")
        typer.echo(format_seeds_table(result))
    write_json(json_path, result)
    if weights_out is not None:
        write_tuned_weights(weights_out, first, command_line(), dt.date.today().isoformat())
        typer.echo(f"wrote {weights_out}")


@eval_app.command("chat")
def eval_chat(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
              users: int = typer.Option(300, help="Simulated users per mode."),
              turns: int = typer.Option(5, help="Turns per conversation."),
              seed: int = typer.Option(0, help="Sampling seed."),
              split: str = typer.Option("test", help="Users from the 'test' or 'valid' part "
                                        "(tune on valid, report test)."),
              runs: str = typer.Option("", help="Comma-separated runs (default: all)."),
              json_path: Path | None = JsonOpt) -> None:
    """Simulated users who speak in words (cold and warm), with ablations."""
    from chatrec_eval.chat_eval import RUNS, SPLITS, format_chat_report, run_chat_eval

    chosen = tuple(r.strip() for r in runs.split(",") if r.strip()) or RUNS
    unknown = [r for r in chosen if r not in RUNS]
    if split not in SPLITS or unknown:
        raise typer.BadParameter(f"--split is one of {', '.join(SPLITS)}; --runs takes "
                                 f"{', '.join(RUNS)}")
    result = run_chat_eval(settings(data, "none", embedder), users=users, turns=turns, seed=seed,
                           split=split, runs=chosen)
    typer.echo(format_chat_report(result))
    write_json(json_path, result)


@eval_app.command("report")
def eval_report(results: Path = typer.Option(Path("docs/results"), help="Saved JSON folder."),
                output: Path = typer.Option(Path("docs/benchmarks.md"), "--output",
                                            help="Markdown file (plots go beside it).")) -> None:
    """Write docs/benchmarks.md and its PNG plots from the saved JSON results (no reruns)."""
    from chatrec_eval.report import write_report

    typer.echo(f"wrote {write_report(results, output)}")


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
    from chatrec_eval.lm_bench import compare_backends, format_backend_comparison, parse_backends

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
