"""Nothing leaves the machine: an audit hook watches every DNS lookup and socket connect while
the real app (default settings: ml-100k, MiniLM, the packaged SmolLM2) starts, serves the page
and answers a few turns; any non-loopback destination fails the test. The server listens on
loopback only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from test_ui import free_port

from chatrec.app.offline import ALWAYS, UNLESS_DOWNLOADS

pytestmark = pytest.mark.integration
WATCH = """
import ipaddress, json, socket, sys
outside = []

def loopback(host):
    if host is None or host in ("localhost", b"localhost", ""):
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

def hook(event, args):
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        if not loopback(args[0]):
            outside.append([event, str(args[0])])
    elif event in ("socket.connect", "socket.sendto"):
        sock, address = args[0], args[-1]
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not loopback(address[0]):
            outside.append([event, str(address[0])])

sys.addaudithook(hook)  # before anything of the app is imported
from chatrec.app.handlers import ChatHandlers
from chatrec.app.recommender import ChatRecommender
from chatrec.app.settings import Settings
from chatrec.app.ui import launch

rec = ChatRecommender.from_settings(Settings.from_env())
lm_ready = rec.wait_for_models(300)
demo = launch(rec, prevent_thread_lock=True, quiet=True)
import httpx, psutil
page = httpx.get(demo.local_url, timeout=30).status_code
handlers = ChatHandlers(rec)
token, _, _ = handlers.ensure_user(None)
replies = []
for text in ("something tense from the 90s, I loved Heat, no horror", "more like Fargo",
             "why #2?"):
    *_, (history, _, _, token) = handlers.respond(text, [], token)
    replies.append(len(history))
from gradio_client import Client
client = Client(demo.local_url, verbose=False)
history, *_ = client.predict("a feel-good comedy", [], token, api_name="/respond")
listening = sorted({c.laddr.ip for c in psutil.Process().net_connections("inet")
                    if c.status == psutil.CONN_LISTEN})
demo.close()
print("RESULT " + json.dumps({"outside": outside, "page": page, "replies": replies,
                              "client_reply": len(history), "lm": rec.has_language_model,
                              "lm_ready": lm_ready, "listening": listening}))
"""


def test_start_and_chat_with_the_default_lm_contacts_only_loopback(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {*ALWAYS, *UNLESS_DOWNLOADS}}
    env.update({"PYTHONPATH": os.pathsep.join(sys.path), "CHATREC_PORT": str(free_port()),
                "CHATREC_DB_URL": f"sqlite:///{tmp_path / 'offline.db'}"})
    for name in ("CHATREC_LM", "CHATREC_DATA", "CHATREC_EMBEDDER", "CHATREC_HOST"):
        env.pop(name, None)  # the defaults, as a user starts it
    done = subprocess.run([sys.executable, "-c", WATCH], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result = json.loads(lines[-1][len("RESULT "):])
    print(f"audit hook: {result}")
    assert result["lm"] and result["lm_ready"], "the default LM did not load"
    assert result["page"] == 200 and min(result["replies"]) >= 2 and result["client_reply"] >= 2
    assert result["outside"] == [], f"non-loopback destinations: {result['outside']}"
    assert result["listening"] == ["127.0.0.1"]
