"""``chatrec eval …`` and ``chatrec bench …``: the command groups this package plugs into chatrec.

chatrec never imports chatrec_eval. pyproject.toml registers `eval_app` and `bench_app` under
the ``chatrec.commands`` entry-point group, and ``chatrec.app.cli`` adds whatever is registered
there. Both groups first check that the ``[eval]`` extra is installed and otherwise say, in one
line, how to install it. The eval commands are here, the bench commands in `chatrec_eval.cli_bench`,
what both share in `chatrec_eval.cli_common`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from chatrec_eval.cli_bench import bench_app
from chatrec_eval.cli_common import (
    DataOpt,
    EmbedderOpt,
    JsonOpt,
    LmOpt,
    command_line,
    require_eval_extra,
    scratch_recommender,
    settings,
    write_json,
)

__all__ = ["bench_app", "eval_app"]

eval_app = typer.Typer(help="Offline, NLU and simulated-chat evaluations.", no_args_is_help=True,
                       callback=require_eval_extra)


@eval_app.command("nlu")
def eval_nlu(data: str | None = DataOpt, embedder: str | None = EmbedderOpt,
             files: list[Path] | None = typer.Option(
                 None, "--file", help="Labelled JSONL file (repeatable); default: "
                 "tests/data/utterances.jsonl, tests/data/nlu/dev.jsonl, dev_questions.jsonl, "
                 "dev3.jsonl, dev4.jsonl, dev5.jsonl, dev6.jsonl, dev7.jsonl, dev8.jsonl, "
                 "dev9.jsonl and heldout.jsonl."),
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
