"""One LM backend measured in its own process (so its RSS is its own): ``bench lm`` runs this.

    python -m chatrec_eval.lm_worker --lm llama:smollm2 --prompts prompts.json --out out.json

For every prompt it times a raw lead-in generation (first token, total, the text: the parent
counts tokens) and then the real `LeadInWriter` path with the time budget, once per reply mode
(``lead-in``, ``grounded``). It imports only ``chatrec``, and tolerates an older ``chatrec``
(no grounded replies, no backend options) so a checkout of an earlier commit can be measured
on the same prompts for a before/after comparison.
"""

from __future__ import annotations

import argparse
import inspect
import json
import resource
import time
from pathlib import Path
from typing import Any

import psutil

from chatrec.domain.loaders import load_dataset
from chatrec.models.lm import load_language_model
from chatrec.reply.gate import LeadInGate
from chatrec.reply.lead_in import LeadInWriter, lead_in_messages_prefix

RAW_LIMIT_S = 15.0  # a raw run is not budgeted: it shows where generation ends by itself


UNBUDGETED_S = 30.0  # modes "<mode>-unbudgeted": judge what the LM writes, not its speed


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """This process's high-water RSS (VmHWM; ru_maxrss would count the parent before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_lm(spec: str, threads: int, cache_dir: str) -> Any:
    """The backend, passing backend options only where this chatrec has them."""
    if "options" in inspect.signature(load_language_model).parameters:
        from chatrec.models.chat import LMOptions

        return load_language_model(spec, cache_dir, options=LMOptions(threads=threads,
                                                                      read_timeout_s=30.0))
    return load_language_model(spec, cache_dir)


def count_tokens(lm: Any, text: str) -> int | None:
    """Tokens in ``text`` by the backend's own tokenizer; None for a server (parent counts)."""
    tokenizer, llama = getattr(lm, "tokenizer", None), getattr(lm, "llama", None)
    if tokenizer is not None:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])
    if llama is not None:
        return len(llama.tokenize(text.encode(), add_bos=False, special=True))
    return None


def raw_run(lm: Any, message: str, max_new_tokens: int) -> dict:
    """Stream one lead-in generation to its end: first-token and total seconds, and the text."""
    messages = [*lead_in_messages_prefix(), {"role": "user", "content": message[:500]}]
    start, first, text = time.perf_counter(), None, ""
    for piece in lm.generate(messages, max_new_tokens, stream=True, max_time_s=RAW_LIMIT_S):
        if first is None and piece:
            first = time.perf_counter() - start
        text += piece
    return {"first_s": first, "total_s": time.perf_counter() - start, "text": text,
            "tokens": count_tokens(lm, text)}


def facts_of(catalog: Any, prompt: dict) -> Any | None:
    """The prompt's `ReplyFacts`, or None where this chatrec has no grounded replies."""
    try:
        from chatrec.reply.grounded import ReplyFacts
    except ImportError:
        return None
    picks = [(catalog.index_of(i), reason) for i, reason in prompt["picks"]]
    liked = [catalog.index_of(i) for i in prompt["liked"] if catalog.has(i)]
    return ReplyFacts.build(catalog, picks, prompt["question"], liked)


def writer_runs(lm: Any, gate: LeadInGate, catalog: Any, prompts: list[dict], mode: str,
                budget_s: float, max_new_tokens: int) -> list[dict] | None:
    """The real lead-in (or grounded-reply) path for every prompt, with the time budget."""
    grounded = mode.startswith("grounded")
    if mode.endswith("-unbudgeted"):
        budget_s = UNBUDGETED_S
    if "grounded" not in inspect.signature(LeadInWriter).parameters:
        if grounded:
            return None
        writer = LeadInWriter(lm, gate, budget_s, max_new_tokens)
    else:
        writer = LeadInWriter(lm, gate, budget_s, max_new_tokens, grounded=grounded)
    out = []
    for prompt in prompts:
        shown = [catalog.index_of(i) for i, _ in prompt["picks"]]
        args = [prompt["message"], shown, prompt["fallback"]]
        lead = writer.write(*args, facts_of(catalog, prompt)) if grounded else \
            writer.write(*args)
        out.append({"source": lead.source, "reason": lead.reason, "seconds": lead.seconds,
                    "text": lead.text})
    stats = getattr(writer, "reply_stats", None)
    if grounded and stats is not None and out:  # why full replies fell back to the lead-in
        out[0]["reply_rejections"] = dict(stats.rejected)
    return out


def run(spec: str, prompts: list[dict], data: str, cache_dir: str, threads: int,
        budget_s: float, max_new_tokens: int, modes: list[str]) -> dict:
    """Load ``spec`` and measure it on ``prompts``; everything the parent needs, as a dict."""
    if spec.split(":")[0] not in {"llama", "openai"}:
        import torch

        torch.set_num_threads(threads)
    catalog = load_dataset(data).catalog
    gate, rss_before = LeadInGate(catalog), rss_mb()
    start = time.perf_counter()
    lm = load_lm(spec, threads, cache_dir)
    load_s, rss_loaded = time.perf_counter() - start, rss_mb()
    # The first call pays for lazy set-up (the prefix cache, llama.cpp's first prompt); it is
    # reported on its own, and a second call warms up before the timed runs.
    cold = raw_run(lm, prompts[0]["message"], max_new_tokens)
    raw_run(lm, prompts[-1]["message"], max_new_tokens)
    raw = [raw_run(lm, p["message"], max_new_tokens) for p in prompts]
    runs = {mode: writer_runs(lm, gate, catalog, prompts, mode, budget_s, max_new_tokens)
            for mode in modes}
    rss_end = rss_mb()
    close = getattr(lm, "close", None)
    if close:  # let generations abandoned at their deadline end before the process does
        close()
    return {"lm": spec, "load_s": load_s, "rss_before_lm_mb": rss_before,
            "rss_loaded_mb": rss_loaded, "rss_end_mb": rss_end,
            "peak_rss_mb": peak_rss_mb(),
            "cold_first_s": cold["first_s"], "raw": raw,
            "writer": {m: r for m, r in runs.items() if r is not None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lm", required=True)
    parser.add_argument("--prompts", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--data", default="ml-100k")
    parser.add_argument("--cache-dir", default="data/cache")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--budget", type=float, default=1.8)
    parser.add_argument("--max-new-tokens", type=int, default=40)
    parser.add_argument("--modes", default="lead-in,grounded")
    args = parser.parse_args()
    prompts = json.loads(args.prompts.read_text())
    result = run(args.lm, prompts, args.data, args.cache_dir, args.threads, args.budget,
                 args.max_new_tokens, args.modes.split(","))
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
