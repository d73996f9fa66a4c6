"""The real app (``python -m chatrec serve``) in a subprocess on a fixed loopback port, so that a
test can stop it, start it again on the same address, and find the browser's state intact."""

from __future__ import annotations

import os
from pathlib import Path

from chatrec_eval.load_bench import ServedApp

REPO = Path(__file__).resolve().parent.parent


def app_env(db_url: str, lm: str = "none", **extra: str) -> dict[str, str]:
    """This environment with the app on the packaged ml-100k, the repository's warm caches and
    the given store."""
    cache = os.environ.get("CHATREC_CACHE_DIR") or str(REPO / "data" / "cache")
    return {**os.environ, "CHATREC_DATA": "ml-100k", "CHATREC_LM": lm,
            "CHATREC_CACHE_DIR": cache, "CHATREC_DB_URL": db_url, **extra}


class FixedPortApp(ServedApp):
    """`ServedApp` that keeps one port across restarts (localStorage is per origin)."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int) -> None:
        super().__init__(env, log_path)
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.env["CHATREC_PORT"] = str(port)

    def restart(self) -> None:
        """Stop the server and start a fresh process on the same port and store."""
        self.__exit__()
        self.__enter__()
