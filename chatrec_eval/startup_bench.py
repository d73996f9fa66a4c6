"""`chatrec bench startup`: time to ready, cold and warm, and the serving process's peak memory.

Each start is a fresh interpreter (``python -c``) that builds `ChatRecommender.from_settings`
and answers one message, so imports, data loading, engine fitting, model loading and the first
turn all count, as they do for a user who runs the app. Cold means an empty cache folder (item
embeddings and the LM conversion are computed); warm runs again on the caches the cold start
left. Peak RSS is the kernel's high-water mark (VmHWM) of a ``chatrec serve`` process after
it has answered a few turns from a gradio_client session.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chatrec_eval.load_bench import ServedApp, chat_session
from chatrec_eval.turn_bench import bench_messages

READY_MARK = "CHATREC_READY "
START_TIMEOUT_S = 900.0
LM_SETTLE_S = 10.0
TARGETS = {"warm_start_s": 10.0, "peak_rss_mb": 2048.0}
# Runs in the child: stage times from inside, and the child's own peak memory.
READY_SCRIPT = f"""
import json, time
t0_wall = time.time()
t0 = time.perf_counter()
from chatrec import ChatRecommender, Settings
t1 = time.perf_counter()
rec = ChatRecommender.from_settings(Settings.from_env())
t2 = time.perf_counter()
turn = rec.respond(rec.new_user_id(), "a tense thriller from the 90s, nothing too violent")
t3 = time.perf_counter()
# The LM loads in the background; wait for it (and use it once) so peak memory includes it.
lm_ready = rec.wait_for_models()
t4 = time.perf_counter()
lm_turn = rec.respond(rec.new_user_id(), "something funny from the 80s")
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print({READY_MARK!r} + json.dumps({{"import_s": t1 - t0, "build_s": t2 - t1,
      "lm_ready_s": t4 - t0 if lm_ready else None, "lm_used": lm_turn.lead_in_source,
      "t0_wall": t0_wall,
      "first_turn_s": t3 - t2, "shown": len(turn.recommendations),
      "peak_rss_mb": int(hwm[0].split()[1]) / 1024 if hwm else None}}))
"""


def bench_env(data: str, lm: str, cache_dir: Path, db_path: Path) -> dict[str, str]:
    """This process's environment with the app's settings pointed at throwaway folders."""
    return {**os.environ, "CHATREC_DATA": data, "CHATREC_LM": lm,
            "CHATREC_CACHE_DIR": str(cache_dir), "CHATREC_DB_URL": f"sqlite:///{db_path}"}


def time_to_ready(env: dict[str, str]) -> dict:
    """Start a fresh interpreter that builds the recommender and answers once; time it all."""
    started = time.time()
    done = subprocess.run([sys.executable, "-c", READY_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=START_TIMEOUT_S, check=False)
    marked = [line for line in done.stdout.splitlines() if line.startswith(READY_MARK)]
    if done.returncode != 0 or not marked:
        raise RuntimeError(f"start-up run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    run = json.loads(marked[-1][len(READY_MARK):])
    # Ready = interpreter start to the first answer; the later wait for the LM is not counted.
    interpreter_s = run.pop("t0_wall") - started
    run["ready_s"] = interpreter_s + run["import_s"] + run["build_s"] + run["first_turn_s"]
    return run


def serving_memory(env: dict[str, str], log_path: Path, turns: int) -> dict:
    """Serve, chat ``turns`` turns through gradio_client, and read the server's peak RSS."""
    with ServedApp(env, log_path) as app:
        session = chat_session(app.url, bench_messages(turns, seed=7))
        # The LM loads in the background (from the cache, ~1 s); give it time, then chat
        # again so the peak includes the LM generating.
        time.sleep(LM_SETTLE_S)
        again = chat_session(app.url, bench_messages(turns, seed=8))
        session = {"latencies": session["latencies"] + again["latencies"],
                   "errors": session["errors"] + again["errors"]}
        rss = app.peak_rss_mb()
    return {"ready_s": app.ready_s, "turns": len(session["latencies"]),
            "errors": session["errors"], "peak_rss_mb": rss}


def run_startup_bench(data: str = "ml-100k", lm: str = "smollm2", warm_runs: int = 3,
                      serve_turns: int = 5) -> dict:
    """Cold start once, warm start ``warm_runs`` times (median), then serving peak RSS."""
    with tempfile.TemporaryDirectory(prefix="chatrec-startup-") as tmp:
        folder = Path(tmp)
        env = bench_env(data, lm, folder / "cache", folder / "startup.db")
        cold = time_to_ready(env)
        warm = [time_to_ready(env) for _ in range(warm_runs)]
        serving = serving_memory(env, folder / "serve.log", serve_turns)
    warm_s = statistics.median(run["ready_s"] for run in warm)
    return {"data": data, "lm": lm, "cold": cold, "warm_runs": warm,
            "warm_ready_s_median": warm_s, "serving": serving,
            "load_average": list(os.getloadavg()),
            "targets": {
                "warm_start_s": {"value": warm_s, "limit": TARGETS["warm_start_s"],
                                 "met": warm_s <= TARGETS["warm_start_s"]},
                "peak_rss_mb": {"value": serving["peak_rss_mb"],
                                "limit": TARGETS["peak_rss_mb"],
                                "met": serving["peak_rss_mb"] <= TARGETS["peak_rss_mb"]}}}


def format_startup_bench(result: dict) -> str:
    """Cold, each warm run and the serving figures."""
    def row(name: str, run: dict) -> str:
        return (f"{name:<8}{run['ready_s']:>8.1f}{run['import_s']:>8.1f}{run['build_s']:>8.1f}"
                f"{run['first_turn_s']:>10.2f}{run['peak_rss_mb']:>10.0f}")

    serving = result["serving"]
    lines = [f"start-up on {result['data']}, LM {result['lm']} (seconds; RSS MiB)",
             f"{'run':<8}{'ready':>8}{'import':>8}{'build':>8}{'1st turn':>10}{'peak RSS':>10}",
             row("cold", result["cold"]),
             *[row(f"warm {i}", run) for i, run in enumerate(result["warm_runs"], start=1)],
             f"warm median {result['warm_ready_s_median']:.1f} s",
             f"serve: page ready in {serving['ready_s']:.1f} s; after {serving['turns']} turns "
             f"peak RSS {serving['peak_rss_mb']:.0f} MiB; errors {len(serving['errors'])}"]
    lines += [f"target {name}: {t['value']:.1f} vs {t['limit']:g} -> "
              f"{'met' if t['met'] else 'MISSED'}" for name, t in result["targets"].items()]
    return "\n".join(lines)
