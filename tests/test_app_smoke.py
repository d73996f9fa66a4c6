"""The served app (``python -m chatrec serve`` on ml-100k) on SQLite and on PostgreSQL: chat over
HTTP, restart the server, and the same signed id still has its profile."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from pg import fresh_database, needs_pg
from served import FixedPortApp, app_env
from test_ui import free_port

pytestmark = pytest.mark.integration


def chat(url: str, message: str, token: str | None) -> tuple[list, str, str]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    history, _, profile, token = client.predict(message, [], token, api_name="/respond")
    client.close()
    return history, profile, token


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=needs_pg)])
def test_chat_restart_profile_intact(backend, tmp_path) -> None:
    context = (fresh_database() if backend == "postgresql"
               else nullcontext(f"sqlite:///{tmp_path / 'smoke.db'}"))
    with context as db_url, FixedPortApp(app_env(db_url), tmp_path / "serve.log",
                                         free_port()) as app:
        history, profile, token = chat(app.url, "I loved Heat, something tense", None)
        picks = [m for m in history if (m.get("metadata") or {}).get("id")]
        assert token and len(picks) == 5 and "Heat" in profile
        app.restart()
        _, after, same = chat(app.url, "hello", token)
        assert same == token and "Heat" in after, after
        _, stranger, other = chat(app.url, "hello", token.rpartition(".")[0] + ".forged")
        assert other != token and "Heat" not in stranger
