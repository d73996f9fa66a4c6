"""`chatrec eval report`: docs/benchmarks.md and its plots, from the saved JSON results only.

Nothing is recomputed: every table comes from a file under ``docs/results/`` that a command
wrote (the command is printed above its table), so the report takes a second and always shows
what was measured, on which machine. A missing file leaves its section saying how to make it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from chatrec_eval.machine import describe_machine, machine_info
from chatrec_eval.markdown import md_table
from chatrec_eval.report_nlu import nlu_section, nlu_target_rows
from chatrec_eval.report_plots import plot_chat, plot_scale, plot_stages

RESULTS_DIR = Path("docs/results")
REPORT_PATH = Path("docs/benchmarks.md")
# Commands for result files that do not record their own (written by older commands).
DEFAULT_COMMANDS = {
    "offline_ml-100k": "chatrec eval offline --data ml-100k",
    "offline_ml-latest-small": "chatrec eval offline --data ml-latest-small",
    "chat_ml-100k": "chatrec eval chat --data ml-100k",
    "chat_ml-latest-small": "chatrec eval chat --data ml-latest-small --users 100",
    "offline_ml-100k_lm-pooled": "chatrec eval offline --embedder lm-pooled",
    "lm_bench": "chatrec bench gate",
    "lm_backends": "chatrec bench lm",
    "turn_none": "chatrec bench turn --lm none",
    "turn_smollm2": "chatrec bench turn --lm smollm2",
    "startup": "chatrec bench startup",
    "scale": "chatrec bench scale",
    "load": "chatrec bench load",
    "parse": "chatrec bench parse",
    "nlu": "chatrec eval nlu",
}
OFFLINE_METRICS = ("recall", "ndcg", "hit", "precision", "mrr", "f1")


def load_results(folder: Path) -> dict[str, dict]:
    """Every ``*.json`` in the folder, by file stem, with the file's date as ``_written``."""
    results = {}
    for path in sorted(folder.glob("*.json")):
        written = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        results[path.stem] = {**json.loads(path.read_text()),
                              "_written": written.isoformat(timespec="minutes")}
    return results


def provenance(name: str, result: dict) -> str:
    """The command and machine lines printed under a section heading."""
    command = result.get("command") or default_command(name)
    machine = describe_machine(result.get("machine"))
    if "machine" not in result:
        machine += f" (file written {result.get('_written')}; see the top for this box)"
    return f"`{command}`  \n_Measured on: {machine}._"


def default_command(name: str) -> str:
    """The command that writes ``docs/results/<name>.json``."""
    return f"{DEFAULT_COMMANDS.get(name, '?')} --json {RESULTS_DIR}/{name}.json"


def missing(name: str) -> str:
    return f"_Not run yet: `{default_command(name)}`._"


def summary_section(results: dict[str, dict]) -> list[str]:
    """Every target, its measured figure and the verdict, in one table."""
    rows = []
    for name in ("turn_none", "turn_smollm2", "startup"):
        for target, t in results.get(name, {}).get("targets", {}).items():
            value = t.get("p95", t.get("value"))
            rows.append([target, value, t["limit"], "met" if t["met"] else "**missed**", name])
    scale = merged_scale(results)
    for target, t in (scale["targets"] if scale else {}).items():
        rows.append([f"scale_{target} ({t['n_ratings'] / 1e6:g}M ratings)", t["value"],
                     t["limit"], "met" if t["met"] else "**missed**", "scale*"])
    if "load" in results:
        errors = results["load"]["target"]["errors_at_16"]
        rows.append(["errors_with_16_sessions", errors, 0, "met" if errors == 0 else
                     "**missed**", "load"])
    rows += nlu_target_rows(results)
    table = md_table(["target", "measured", "limit", "verdict", "result file"], rows)
    return ["## Targets at a glance", table if rows else "_No benchmark results yet._"]


def offline_section(results: dict[str, dict]) -> list[str]:
    """One metrics table per offline evaluation file."""
    out = ["## Offline ranking quality (RecBole protocol, @10)"]
    for name in ("offline_ml-100k", "offline_ml-latest-small", "offline_ml-100k_lm-pooled"):
        if name not in results:
            out.append(missing(name))
            continue
        result = results[name]
        rows = [[model, *[m.get(k) for k in OFFLINE_METRICS], m.get("fit_s")]
                for model, m in result["models"].items()]
        title = result["protocol"]["dataset"] + (" (item vectors: LM-pooled)"
                                                 if name.endswith("lm-pooled") else "")
        out += [f"### {title}", provenance(name, result),
                md_table(["model", *[f"{k}@10" for k in OFFLINE_METRICS], "fit s"], rows)]
        out += seed_spread(result)
    return out


def seed_spread(result: dict) -> list[str]:
    """For a ``--seeds`` file: what the means are over, and the paired hybrid-EASE margin."""
    if "margin" not in result:
        return []
    seeds = result["protocol"]["seeds"]
    spread, margin = result["spread"], result["margin"]
    better, worse = margin["of"]
    lines = [f"Means over {len(seeds)} split seeds ({', '.join(map(str, seeds))}); standard "
             "deviation over seeds:"]
    for metric in ("recall", "ndcg"):
        cells = "; ".join(f"{m} {spread[m][metric]['mean']:.4f} ± {spread[m][metric]['std']:.4f}"
                          for m in (better, worse) if m in spread)
        m = margin.get(metric)
        if m is not None:
            cells += (f"; {better} − {worse} {m['mean']:+.4f} ± {m['std']:.4f} per seed, "
                      f"{'beyond' if m['beats_noise'] else 'within'} the split noise")
        lines.append(f"- {metric}@10: {cells}")
    return ["\n".join(lines)]


CHAT_FILES = ("chat_ml-100k", "chat_ml-latest-small")


def chat_section(results: dict[str, dict], docs: Path) -> list[str]:
    """SR@10 after each turn per ablation and mode, with a plot, for each chat result file."""
    out = ["## Simulated chat (SR@10 after each turn)"]
    present = [name for name in CHAT_FILES if name in results]
    if not present:
        return [*out, missing(CHAT_FILES[0])]
    for name in present:
        result = results[name]
        protocol = result["protocol"]
        plot_name = "chat_sr_per_turn.png" if name == CHAT_FILES[0] else f"{name}.png"
        out += [f"### {protocol['dataset']}", provenance(name, result),
                f"{protocol['users']} simulated users per mode, {protocol['turns']} turns, "
                f"{protocol['dataset']}; 95% bootstrap interval at the last turn.",
                f"![SR@10 per turn on {protocol['dataset']}]"
                f"({plot_chat(result, docs, plot_name).name})"]
        out += chat_tables(result)
    return out


def chat_tables(result: dict) -> list[str]:
    """One SR@10-per-turn table per mode."""
    out = []
    for mode, block in result["modes"].items():
        turns = len(next(iter(block["runs"].values()))["sr_at_turn"])
        rows = [[run, *r["sr_at_turn"], "[{:.3f}, {:.3f}]".format(*r["ci95"]["sr_at_turn"][-1]),
                 r["ndcg_at_turn"][-1], r["avg_turns"]] for run, r in block["runs"].items()]
        out += [f"#### {mode}", md_table(["run", *[f"t{t}" for t in range(1, turns + 1)],
                                          "CI95 last", "NDCG@10 last", "avg turns"], rows)]
    return out


def turn_section(results: dict[str, dict], docs: Path) -> list[str]:
    """Per-stage p50/p95 with and without the LM, first token, targets, and the plot."""
    runs = {n: results[n] for n in ("turn_none", "turn_smollm2") if n in results}
    out = ["## Per-turn latency (ChatRecommender.respond_stream)"]
    if not runs:
        return [*out, missing("turn_none"), missing("turn_smollm2")]
    headers, rows = ["stage"], []
    for name, r in runs.items():
        headers += [f"{r['lm']} p50 ms", f"{r['lm']} p95 ms"]
        out.append(provenance(name, r) + f" {r['turns']} turns, {r['users']} users.")
    first = next(iter(runs.values()))
    for stage in [*first["stages"], "whole turn", "feedback"]:
        row: list[object] = [stage]
        for r in runs.values():
            block = r["turn"] if stage == "whole turn" else r["stages"].get(stage, r.get(stage))
            block = block or {}  # a stage an older run did not time yet: a dash
            row += [block.get("p50_ms"), block.get("p95_ms")]
        rows.append(row)
    out += [md_table(headers, rows), "_other_ is turn time that no stage claims (mostly "
            "embedding the wish text); a stage a turn skipped counts as 0.",
            f"![latency per stage]({plot_stages(runs, docs).name})"]
    lm_rows = [[r["lm"], r["first_token"]["p50_s"], r["first_token"]["p95_s"],
                r["lm_reply"]["p50_s"], r["lm_reply"]["p95_s"], r["lm_sentence_used"]]
               for r in runs.values() if r["lm"] != "none"]
    if lm_rows:
        out.append(md_table(["LM", "first token p50 s", "first token p95 s", "LM stage p50 s",
                             "LM stage p95 s", "LM sentences used"], lm_rows))
    return out


def lm_section(results: dict[str, dict]) -> list[str]:
    """The LM lead-in gate and timings from ``bench lm``."""
    out = ["## LM lead-in (gate and timings)"]
    if "lm_bench" not in results:
        return [*out, missing("lm_bench")]
    r = results["lm_bench"]
    keys = ("turns", "lead_ins", "gate_rejection_rate", "lm_used_share", "first_token_s_p50",
            "first_token_s_p95", "lm_reply_s_p50", "lm_reply_s_p95", "turn_s_p95")
    return [*out, provenance("lm_bench", r), md_table(["LM", *keys],
                                                      [[r["lm"], *[r.get(k) for k in keys]]]),
            f"Gate rejections by reason: {r.get('rejections_by_reason')}."]


def lm_backends_section(results: dict[str, dict]) -> list[str]:
    """The LM backends side by side from ``bench lm``: speed, memory and the paths replies took."""
    from chatrec_eval.lm_backends import format_backend_comparison  # it imports this module

    out = ["## LM backends side by side"]
    if "lm_backends" not in results:
        return [*out, missing("lm_backends")]
    r = results["lm_backends"]
    return [*out, provenance("lm_backends", r), format_backend_comparison(r),
            f"{r['prompts']} recorded turns, {r['threads']} thread(s), a {r['budget_s']} s budget "
            f"and at most {r['max_new_tokens']} new tokens per lead-in."]


def parse_section(results: dict[str, dict]) -> list[str]:
    """Parse time against the catalog's number of titles, from ``bench parse``."""
    from chatrec_eval.parse_bench import format_parse_bench

    out = ["## Understanding against catalog size"]
    if "parse" not in results:
        return [*out, missing("parse")]
    return [*out, provenance("parse", results["parse"]), format_parse_bench(results["parse"])]


def startup_section(results: dict[str, dict]) -> list[str]:
    """Cold and warm time to ready and serving peak RSS."""
    out = ["## Start-up and memory"]
    if "startup" not in results:
        return [*out, missing("startup")]
    r = results["startup"]
    runs = [("cold", r["cold"]), *[(f"warm {i}", w) for i, w in enumerate(r["warm_runs"], 1)]]
    rows = [[name, w["ready_s"], w["import_s"], w["build_s"], w["first_turn_s"],
             w["peak_rss_mb"]] for name, w in runs]
    serving = r["serving"]
    return [*out, provenance("startup", r) + f" Data {r['data']}, LM {r['lm']}.",
            md_table(["run", "ready s", "import s", "build s", "first turn s", "peak RSS MiB"],
                     rows),
            f"Warm median: {r['warm_ready_s_median']:.1f} s. `chatrec serve`: page ready in "
            f"{serving['ready_s']:.1f} s; peak RSS {serving['peak_rss_mb']:.0f} MiB after "
            f"{serving['turns']} turns ({len(serving['errors'])} errors)."]


def merged_scale(results: dict[str, dict]) -> dict | None:
    """Every ``scale*.json`` merged: size rows by ratings, source fits, and their fits."""
    from chatrec_eval.scale_bench import fit_growth_by_source, growth, targets

    parts = [r for name, r in sorted(results.items()) if name.startswith("scale")]
    if not parts:
        return None
    rows = sorted((row for r in parts for row in r.get("rows", [])),
                  key=lambda row: row["n_ratings"])
    fits = [f for r in parts for f in r.get("fits", [])]
    return {"parts": parts, "rows": rows, "fits": fits, "growth": growth(rows),
            "fit_growth": fit_growth_by_source(fits), "targets": targets(rows)}


def scale_section(results: dict[str, dict], docs: Path) -> list[str]:
    """Prepare time, peak RSS and turn latency per size; the source-fit table; the plot."""
    out = ["## Scale: synthetic MovieLens, 1M to 25M ratings"]
    merged = merged_scale(results)
    if merged is None:
        return [*out, missing("scale")]
    out += [provenance("scale", r) for r in merged["parts"]]
    rows = [[r["n_ratings"], r["n_items"], r["prepare"]["total_s"],
             int(r["prepare"].get("items_embedded", 0)), r["prepare"]["item_vectors_s"],
             r["prepare"]["engine_s"], r["prepare"]["peak_rss_mb"], r["prepare_again"]["total_s"],
             r["serve"]["peak_rss_mb"], r["serve"]["turn"]["p50_ms"], r["serve"]["turn"]["p95_ms"]]
            for r in merged["rows"]]
    growth = "; ".join(f"{name} ~ n_ratings^{f['exponent']:.2f} (R² {f['r2']:.3f})"
                       for name, f in merged["growth"].items() if f["exponent"] is not None)
    goals = "; ".join(f"{name} {t['value']:.0f} (limit {t['limit']:g}, "
                      f"{'met' if t['met'] else '**missed**'})"
                      for name, t in merged["targets"].items())
    fits = [[f["source"], f["n_items"], f["n_ratings"], f["fit_s"], f["peak_rss_mb"]]
            for f in merged["fits"]]
    fit_growth = "; ".join(f"{source} fit ~ n_items^{f['exponent']:.2f}"
                           for source, f in merged["fit_growth"].items()
                           if f["exponent"] is not None)
    if rows:
        out += ["Each size: `prepare --lm none` in a fresh process (MiniLM embeddings of the "
                "items not yet in the vector store, every engine source fitted), `prepare` "
                "again, then the app answering turns without the LM; 60k items, 154 ratings "
                "per user. Sizes run together share one cache, so only the first embeds the "
                "shared catalog; a size run alone starts cold.",
                md_table(["ratings", "items", "prepare s", "items embedded", "embed s", "engine s",
                          "prepare peak MiB", "again s", "serve peak MiB", "turn p50 ms",
                          "turn p95 ms"], rows),
                f"Growth: {growth or 'one size only'}. Goals at the largest size: {goals}. "
                "Other jobs shared the two cores during these runs (load averages above), so "
                "exponents from a few sizes are rough; the turn's stages are in the JSON.",
                f"![prepare time, memory and turn latency vs ratings]"
                f"({plot_scale(merged, docs).name})"]
    if fits:
        out += ["Each heavy source fitted alone in a fresh process on synthetic catalogs "
                "(100 ratings per item): the measurement behind the large-catalog switch.",
                md_table(["source", "items", "ratings", "fit s", "peak MiB"], fits),
                f"Fit time growth: {fit_growth}."]
    return out


def load_section(results: dict[str, dict]) -> list[str]:
    """Concurrent sessions against a live app."""
    out = ["## Concurrent sessions (gradio_client against a live app)"]
    if "load" not in results:
        return [*out, missing("load")]
    r = results["load"]
    rows = [[x["sessions"], x["turns_ok"], x["errors"], x["p50_ms"], x["p95_ms"],
             x["turns_per_s"], x["wall_s"]] for x in r["levels"]]
    return [*out, provenance("load", r) + f" LM {r['lm']}, data {r['data']}.",
            md_table(["sessions", "turns ok", "errors", "p50 ms", "p95 ms", "turns/s", "wall s"],
                     rows),
            f"Server peak RSS {r['server_peak_rss_mb']:.0f} MiB. Target: no errors with 16 "
            f"sessions ({r['target']['errors_at_16']} errors)."]


def write_report(results_dir: Path = RESULTS_DIR, out_path: Path = REPORT_PATH) -> Path:
    """Render every section into ``out_path`` (plots beside it); returns the path."""
    results = load_results(results_dir)
    docs = out_path.parent
    docs.mkdir(parents=True, exist_ok=True)
    sections = [
        ["# chatrec benchmarks",
         "Generated by `chatrec eval report` from the JSON files in "
         f"`{results_dir}`; each table names the command that produced it and the machine.",
         f"Report generated on: {describe_machine(machine_info())}."],
        summary_section(results), offline_section(results), chat_section(results, docs),
        nlu_section(results, provenance, missing),
        turn_section(results, docs), lm_section(results), lm_backends_section(results),
        startup_section(results),
        scale_section(results, docs), parse_section(results), load_section(results)]
    out_path.write_text("\n\n".join("\n\n".join(s) for s in sections) + "\n")
    return out_path
