"""LM backends side by side on the same prompts (``chatrec bench lm``).

`run_backend_comparison` measures several backends in one run, each in its own subprocess
(`chatrec_eval.lm_worker`) so that its memory is its own: load time, RSS, time to first token,
tokens per second, how often generation ends before the token limit, the gate's acceptance and
the lead-in time under the budget, and with grounded replies how often each path (LM reply, LM
lead-in, template) was used. The prompts are real turns, recorded once with templates only.
``chatrec bench lm`` (or ``python -m chatrec_eval.lm_backends``) runs it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil

from chatrec import ChatRecommender, Settings
from chatrec.models.chat import LMUnavailableError
from chatrec.models.lm_openai import OpenAICompatLM
from chatrec.models.smollm2 import convert_smollm2, smollm2_gguf
from chatrec.reply.grounded import ReplyFacts
from chatrec.reply.lead_in import LeadIn
from chatrec_eval.machine import machine_info
from chatrec_eval.turn_bench import bench_messages, percentiles

log = logging.getLogger(__name__)

MODES = ("lead-in", "grounded", "lead-in-unbudgeted", "grounded-unbudgeted")
AUTO_SERVER = "openai:auto"  # start llama-cpp-python's server on loopback for this run
DEFAULT_BACKENDS = f"smollm2,llama:smollm2,{AUTO_SERVER}"
SERVER_START_LIMIT_S = 90.0


@dataclass
class _RecordingWriter:
    """Stands in for the policy's lead-in writer: records what it was asked, answers templates."""

    seen: list[dict] = field(default_factory=list)

    def stream(self, user_text: str, shown: list[int], fallback: str,
               facts: ReplyFacts | None = None) -> Iterator[LeadIn]:
        self.seen.append({"message": user_text, "fallback": fallback, "facts": facts})
        yield LeadIn(fallback, "template", "recording")


def build_bench_prompts(rec: ChatRecommender, n: int = 20, seed: int = 0) -> list[dict]:
    """``n`` real turns (fresh users, recommendation messages) with what the LM would be given.

    Each prompt has the message, the shown picks with their reasons (item ids), the question
    the policy asks, the user's likes that reasons may name, and the template fallback.
    """
    recorder = _RecordingWriter()
    real, rec.policy.lead_in = rec.policy.lead_in, recorder
    catalog, prompts = rec.catalog, []
    try:
        for message in bench_messages(n, seed):
            turn = rec.respond(rec.new_user_id(), message)
            if not turn.recommendations or not recorder.seen:
                continue
            seen = recorder.seen.pop()
            facts: ReplyFacts = seen["facts"]
            picks = [[r.item_id, r.explanation] for r in turn.recommendations]
            shown = {catalog.index_of(r.item_id) for r in turn.recommendations}
            prompts.append({"message": seen["message"], "fallback": seen["fallback"],
                            "picks": picks, "question": facts.question,
                            "liked": [catalog.item_ids[i] for i in facts.allowed - shown]})
    finally:
        rec.policy.lead_in = real
    return prompts


@dataclass(frozen=True)
class Backend:
    """One column of the comparison: an ``lm`` spec, and optionally an older checkout to run."""

    spec: str
    label: str = ""
    pythonpath: str | None = None  # a chatrec checkout (e.g. the commit before a change)

    @property
    def name(self) -> str:
        return self.label or self.spec


def run_backend_comparison(backends: list[Backend], prompts: list[dict], *, threads: int = 1,
                           budget_s: float = 1.8, max_new_tokens: int = 40,
                           data: str = "ml-100k", cache_dir: str = "data/cache",
                           modes: tuple[str, ...] = ("lead-in", "grounded")) -> dict:
    """Measure each backend in its own subprocess, one after another, on the same prompts."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        prompt_file = Path(tmp) / "prompts.json"
        prompt_file.write_text(json.dumps(prompts))
        for backend in backends:
            server = _start_llama_server(threads) if backend.spec == AUTO_SERVER else None
            spec = server.spec if server else backend.spec
            out = Path(tmp) / "out.json"
            command = [sys.executable, "-X", "faulthandler",
                       str(Path(__file__).with_name("lm_worker.py")),
                       "--lm", spec, "--prompts", str(prompt_file), "--out", str(out),
                       "--data", data, "--cache-dir", cache_dir, "--threads", str(threads),
                       "--budget", str(budget_s), "--max-new-tokens", str(max_new_tokens),
                       "--modes", ",".join(modes)]
            env = dict(os.environ)
            if backend.pythonpath:
                env["PYTHONPATH"] = backend.pythonpath
            try:
                code = subprocess.run(command, env=env).returncode
                if not out.exists():
                    raise RuntimeError(f"the {backend.name} worker failed (exit code {code})")
                raw = json.loads(out.read_text())
                raw["exit_code"] = code
                out.unlink()
                if server:
                    raw["server"] = server.figures()
            finally:
                if server:
                    server.stop()
            results[backend.name] = summarise_backend(raw, max_new_tokens)
    return {"backends": results, "prompts": len(prompts), "threads": threads,
            "budget_s": budget_s, "max_new_tokens": max_new_tokens}


def summarise_backend(raw: dict, max_new_tokens: int) -> dict:
    """Figures for one backend from its worker's raw measurements."""
    counter = _smollm2_token_counter() if any(r["tokens"] is None for r in raw["raw"]) else None
    tokens = [r["tokens"] if r["tokens"] is not None else counter(r["text"]) for r in raw["raw"]]
    speeds = [(n - 1) / (r["total_s"] - r["first_s"]) for n, r in zip(tokens, raw["raw"],
                                                                       strict=True)
              if n > 1 and r["first_s"] is not None and r["total_s"] > r["first_s"]]
    out = {"lm": raw["lm"], "load_s": raw["load_s"],
           # After the runs: weights are memory-mapped and only counted once they were used.
           "lm_rss_mb": raw["rss_end_mb"] - raw["rss_before_lm_mb"],
           "rss_end_mb": raw["rss_end_mb"], "peak_rss_mb": raw["peak_rss_mb"],
           "cold_first_token_s": raw["cold_first_s"],
           "first_token": percentiles(r["first_s"] for r in raw["raw"] if r["first_s"]),
           "tokens_per_s": percentiles(speeds), "tokens": percentiles(tokens),
           "stopped_before_limit": sum(n < max_new_tokens for n in tokens),
           "raw_runs": len(tokens), "samples": [r["text"] for r in raw["raw"][:5]],
           "server": raw.get("server"), "exit_code": raw.get("exit_code", 0)}
    for mode, runs in raw["writer"].items():
        out[mode] = {"paths": dict(Counter(r["source"] for r in runs)),
                     "reasons": dict(Counter(r["reason"].split(":")[0] for r in runs
                                             if r["reason"])),
                     "seconds": percentiles(r["seconds"] for r in runs),
                     "accepted": sum(r["source"] != "template" for r in runs), "n": len(runs),
                     "reply_rejections": runs[0].get("reply_rejections") if runs else None,
                     "samples": [r["text"] for r in runs if r["source"] != "template"][:5]}
    return out


def _smollm2_token_counter() -> Callable[[str], int]:
    """Token counts for a server's text, with the SmolLM2 tokenizer (what the servers run)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(convert_smollm2("data/cache"))
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


@dataclass
class _Server:
    process: subprocess.Popen
    spec: str
    start_s: float

    def figures(self) -> dict:
        rss = psutil.Process(self.process.pid).memory_info().rss / 2**20
        return {"start_s": self.start_s, "rss_mb": rss}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _start_llama_server(threads: int) -> _Server:
    """``python -m llama_cpp.server`` with the packaged GGUF on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()),
         "--host", "127.0.0.1", "--port", str(port), "--n_threads", str(threads),
         "--n_ctx", "1024"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lm = OpenAICompatLM(f"http://127.0.0.1:{port}/v1")
    while True:
        try:
            lm.model_name()
            return _Server(process, f"openai:http://127.0.0.1:{port}/v1",
                           time.perf_counter() - start)
        except LMUnavailableError:
            if process.poll() is not None or time.perf_counter() - start > SERVER_START_LIMIT_S:
                process.terminate()
                raise RuntimeError("llama_cpp.server did not start (is the [llama] extra "
                                   "installed?)") from None
            time.sleep(0.2)


def format_backend_comparison(result: dict) -> str:
    """Two markdown tables: speed and memory per backend, then the paths each mode took."""
    def s(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    lines = ["| backend | load s | LM RSS MB | cold 1st tok s | 1st tok p50/p95 s | tok/s p50 | "
             "stops < limit |", "|" + "---|" * 7]
    for name, r in result["backends"].items():
        server = f" (+server {r['server']['rss_mb']:.0f})" if r.get("server") else ""
        lines.append(
            f"| {name} | {s(r['load_s'])} | {r['lm_rss_mb']:.0f}{server} | "
            f"{s(r['cold_first_token_s'])} | {s(r['first_token']['p50'])}/"
            f"{s(r['first_token']['p95'])} | {s(r['tokens_per_s']['p50'])} | "
            f"{r['stopped_before_limit']}/{r['raw_runs']} |")
    lines += ["", "| backend | mode | LM reply / LM lead-in / template | p50/p95 s | "
              "why templates |", "|" + "---|" * 5]
    for name, r in result["backends"].items():
        for mode in MODES:
            if mode not in r:
                continue
            m, paths = r[mode], r[mode]["paths"]
            counts = "/".join(str(paths.get(k, 0)) for k in ("lm-reply", "lm", "template"))
            why = m["reasons"]
            if m.get("reply_rejections"):
                why = f"{why}; full replies rejected: {m['reply_rejections']}"
            lines.append(f"| {name} | {mode} | {counts} | {s(m['seconds']['p50'])}/"
                         f"{s(m['seconds']['p95'])} | {why} |")
    return "\n".join(lines)


def parse_backends(spec: str, before: str | None = None) -> list[Backend]:
    """``smollm2,llama:smollm2,openai:auto`` as backends; llama ones only when llama.cpp is here.

    ``before`` (``LABEL=PATH``) adds smollm2 run from an older chatrec checkout, first.
    """
    backends, have_llama = [], importlib.util.find_spec("llama_cpp") is not None
    for name in (part.strip() for part in spec.split(",")):
        if name.startswith("llama:") or name == AUTO_SERVER:
            if not have_llama:
                log.warning("skipping %s: llama-cpp-python is not installed (the [llama] extra)",
                            name)
                continue
        if name:
            backends.append(Backend(name))
    if before:
        label, _, path = before.partition("=")
        backends.insert(0, Backend("smollm2", label or "smollm2 before", path or label))
    return backends


def compare_backends(backends: list[Backend], n_prompts: int = 20, threads: int = 1,
                     modes: tuple[str, ...] = ("lead-in", "grounded"),
                     settings: Settings | None = None) -> dict:
    """Record ``n_prompts`` real turns once, then run every backend on them; with provenance."""
    settings = settings or Settings.from_env(lm="none")
    with tempfile.TemporaryDirectory() as tmp:
        rec = ChatRecommender.from_settings(replace(settings, lm="none",
                                                    db_url=f"sqlite:///{tmp}/b.db"))
        prompts = build_bench_prompts(rec, n_prompts)
        rec.close()
    result = run_backend_comparison(backends, prompts, threads=threads, data=settings.data,
                                    cache_dir=settings.cache_dir, modes=modes)
    result["machine"] = machine_info()
    return result


def main(argv: list[str] | None = None) -> None:
    """``python -m chatrec_eval.lm_backends``: the backend comparison, printed and saved."""
    parser = argparse.ArgumentParser(description="Compare LM backends on the same prompts.")
    parser.add_argument("--backends", default=DEFAULT_BACKENDS,
                        help="comma-separated lm specs; openai:auto starts llama.cpp's server")
    parser.add_argument("--before", default=None,
                        help="LABEL=PATH: also run smollm2 from an older chatrec checkout")
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--modes", default="lead-in,grounded",
                        help=f"any of {', '.join(MODES)} (-unbudgeted: a 30 s budget, to judge "
                        "the text rather than the speed)")
    parser.add_argument("--out", type=Path, default=Path("docs/results/lm_backends.json"))
    args = parser.parse_args(argv)
    result = compare_backends(parse_backends(args.backends, args.before), args.prompts,
                              args.threads, tuple(args.modes.split(",")))
    result["command"] = "python -m chatrec_eval.lm_backends " + " ".join(argv or sys.argv[1:])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(format_backend_comparison(result))


if __name__ == "__main__":
    main()
