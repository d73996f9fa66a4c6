"""`chatrec bench load`: concurrent chat sessions against a live app, over loopback only.

The app runs as ``python -m chatrec serve`` in a subprocess (its own interpreter, so the
clients' threads do not share its GIL), on 127.0.0.1 and a free port, with a throwaway SQLite
file. N gradio_client sessions run a 5-turn conversation each at the same time through the
textbox's ``/respond`` endpoint, passing the returned history and user id back like a browser.
Everything is bounded: a fixed number of turns, a timeout per turn and a deadline per level.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from chatrec.profile.store import ProfileStore
from chatrec_eval.turn_bench import bench_messages, percentiles

TURN_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 600.0  # a cold start computes item embeddings first
LEVELS = (1, 4, 16)


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """VmHWM (the kernel's high-water mark of resident memory) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class ServedApp:
    """``chatrec serve`` in a subprocess on a free loopback port; a context manager."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.env = {**env, "CHATREC_HOST": "127.0.0.1", "CHATREC_PORT": str(self.port),
                    "GRADIO_ANALYTICS_ENABLED": "False"}
        self.log_path = log_path
        self.ready_s: float | None = None

    def __enter__(self) -> ServedApp:
        self._log = self.log_path.open("w")
        started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "-m", "chatrec", "serve"],
                                        env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT)
        try:
            self._wait_ready(started)
        except BaseException:
            self.__exit__()  # __exit__ is not called when __enter__ raises
            raise
        return self

    def _wait_ready(self, started: float) -> None:
        """Poll the page until it answers; fail with the log tail if the server dies."""
        while time.perf_counter() - started < READY_TIMEOUT_S:
            if self.process.poll() is not None:
                tail = self.log_path.read_text()[-2000:]
                raise RuntimeError(f"chatrec serve exited ({self.process.returncode}):\n{tail}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as page:
                    if page.status == 200:
                        self.ready_s = time.perf_counter() - started
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"chatrec serve not ready after {READY_TIMEOUT_S:.0f} s")

    def peak_rss_mb(self) -> float:
        """Peak resident memory of the server process (children, if any, added)."""
        import psutil

        pids = [self.process.pid]
        pids += [c.pid for c in psutil.Process(self.process.pid).children(recursive=True)]
        return sum(peak_rss_mb(pid) for pid in pids)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()  # only the process this object started
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        self._log.close()


def chat_session(url: str, messages: list[str], timeout_s: float = TURN_TIMEOUT_S) -> dict:
    """One browser-like conversation: seconds per turn, errors and the connect time."""
    from gradio_client import Client

    started, latencies, errors = time.perf_counter(), [], []
    try:
        client = Client(url, verbose=False, analytics_enabled=False)
    except Exception as exc:  # noqa: BLE001 - a failed connect is a measured error
        return {"latencies": [], "errors": [f"connect: {exc!r}"[:200]], "connect_s": None}
    connect_s = time.perf_counter() - started
    history: list = []
    user_id = ProfileStore.new_user_id()
    for message in messages:
        start = time.perf_counter()
        try:
            job = client.submit(message, history, user_id, api_name="/respond")
            history, _, _, user_id = job.result(timeout=timeout_s)
            latencies.append(time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001 - counted, and the session goes on
            errors.append(repr(exc)[:200])
    client.close()
    return {"latencies": latencies, "errors": errors, "connect_s": connect_s}


def run_level(url: str, sessions: int, turns: int, seed: int = 0) -> dict:
    """``sessions`` conversations at once; p50/p95 turn latency, errors and throughput."""
    deadline = turns * TURN_TIMEOUT_S + 60  # each turn has its own timeout; this bounds the lot
    started = time.perf_counter()
    pool = ThreadPoolExecutor(sessions)
    try:
        futures = [pool.submit(chat_session, url, bench_messages(turns, seed + i))
                   for i in range(sessions)]
        done, late = wait(futures, timeout=deadline)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # never block past the deadline
    wall = time.perf_counter() - started
    results = [f.result() for f in done]
    latencies = [t for r in results for t in r["latencies"]]
    errors = [e for r in results for e in r["errors"]] + ["session overran"] * len(late)
    return {"sessions": sessions, "turns_per_session": turns, "turns_ok": len(latencies),
            "errors": len(errors), "error_examples": errors[:3], "wall_s": wall,
            "turns_per_s": len(latencies) / wall if wall > 0 else None,
            **percentiles(latencies, 1000, "_ms")}


def run_load_bench(env: dict[str, str], log_path: Path, levels: tuple[int, ...] = LEVELS,
                   turns: int = 5, seed: int = 0) -> dict:
    """Serve once (settings from ``env``) and run each concurrency level in turn."""
    with ServedApp(env, log_path) as app:
        rows = [run_level(app.url, n, turns, seed) for n in levels]
        rss = app.peak_rss_mb()
    return {"lm": env.get("CHATREC_LM", "smollm2"), "data": env.get("CHATREC_DATA", "ml-100k"),
            "levels": rows, "server_ready_s": app.ready_s, "server_peak_rss_mb": rss,
            "load_average": list(os.getloadavg()),
            "target": {"errors_at_16": next((r["errors"] for r in rows if r["sessions"] == 16),
                                            None), "limit": 0}}


def format_load_bench(result: dict) -> str:
    """One line per concurrency level."""
    lines = [f"load on {result['data']}, LM {result['lm']} (server ready in "
             f"{result['server_ready_s']:.1f} s, peak RSS {result['server_peak_rss_mb']:.0f} MiB)",
             f"{'sessions':>8}{'turns':>7}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'turns/s':>9}"]
    for r in result["levels"]:
        p50 = "-" if r["p50_ms"] is None else f"{r['p50_ms']:.0f}"
        p95 = "-" if r["p95_ms"] is None else f"{r['p95_ms']:.0f}"
        lines.append(f"{r['sessions']:>8}{r['turns_ok']:>7}{r['errors']:>7}{p50:>9}{p95:>9}"
                     f"{r['turns_per_s'] or 0:>9.1f}")
        lines += [f"    error: {e}" for e in r["error_examples"]]
    return "\n".join(lines)
