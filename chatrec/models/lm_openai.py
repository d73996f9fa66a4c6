"""Any OpenAI-compatible chat-completions server as a `LanguageModel`, over the standard library.

``openai:http://127.0.0.1:8080/v1`` talks to llama.cpp's server, vLLM, Ollama or anything else
that serves ``POST /v1/chat/completions``; replies stream as server-sent events. Connecting and
reading have their own timeouts, and a server that is down, slow or answers an error raises
`LMUnavailableError`, so the reply falls back to its template. Nothing is contacted unless the
user configured this backend; a non-loopback address is allowed (a GPU server on the LAN) but
logged, because it is the user's explicit choice.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from chatrec.models.chat import LMOptions, LMUnavailableError, Message
from chatrec.models.errors import ModelUnavailableError

log = logging.getLogger(__name__)


class OpenAICompatLM:
    """Streams chat completions from ``base_url`` (which ends in ``/v1`` for most servers)."""

    def __init__(self, base_url: str, options: LMOptions | None = None,
                 name: str | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ModelUnavailableError(
                f"openai backend: {base_url!r} is not an http(s) URL, "
                "e.g. openai:http://127.0.0.1:8080/v1")
        self.name = name or f"openai:{base_url}"
        self.options = options or LMOptions()
        self._https, self._host = parts.scheme == "https", parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._path = parts.path.rstrip("/")
        self._model = self.options.model
        self._model_lock = threading.Lock()
        if not _is_loopback(self._host):
            log.warning("the LM server %s is not on this machine; chat text will be sent there",
                        self._host)

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        body = {"messages": messages, "max_tokens": max_new_tokens, "temperature": 0.0,
                "stop": ["\n"], "stream": stream}
        if stream:
            return self._stream(body, max_time_s)
        return self._complete(body, max_time_s)

    def complete_json(self, messages: list[Message], schema: dict[str, Any], name: str = "reply",
                      max_new_tokens: int = 200, max_time_s: float | None = None) -> dict:
        """A reply constrained to the JSON ``schema`` (``response_format`` ``json_schema``, as
        llama.cpp's server, vLLM and Ollama accept it), parsed; anything that is not a JSON
        object raises `LMUnavailableError`. The caller still validates the values."""
        body = {"messages": messages, "max_tokens": max_new_tokens, "temperature": 0.0,
                "stream": False, "response_format": {"type": "json_schema", "json_schema": {
                    "name": name, "schema": schema, "strict": True}}}
        text = self._complete(body, max_time_s)
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise LMUnavailableError(f"{self.name}: reply is not JSON ({exc})") from exc
        if not isinstance(value, dict):
            raise LMUnavailableError(f"{self.name}: reply is not a JSON object")
        return value

    def _complete(self, body: dict[str, Any], max_time_s: float | None) -> str:
        """One non-streamed completion's text."""
        response = self._post(body, max_time_s)
        try:
            payload = json.loads(_read(response))
            return payload["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise LMUnavailableError(f"{self.name}: unexpected reply ({exc})") from exc
        finally:
            response.close()

    def _stream(self, body: dict[str, Any], max_time_s: float | None) -> Iterator[str]:
        start = time.perf_counter()
        response = self._post(body, max_time_s)
        try:
            for event in _sse_data(response):
                if event == "[DONE]":
                    return
                choice = (json.loads(event).get("choices") or [{}])[0]
                text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    yield text
                if max_time_s is not None and time.perf_counter() - start >= max_time_s:
                    return
        except (OSError, http.client.HTTPException, ValueError, AttributeError) as exc:
            raise LMUnavailableError(f"{self.name}: stream broke off ({exc})") from exc
        finally:
            response.close()

    def _post(self, body: dict[str, Any], max_time_s: float | None) -> Any:
        """Send one completion request; the response, or `LMUnavailableError`."""
        body = {"model": self.model_name(), **body}
        return self._request("POST", "/chat/completions", json.dumps(body).encode(),
                             self._read_timeout(max_time_s, time.perf_counter()))

    def model_name(self) -> str:
        """The configured model, or the first one the server lists (asked once)."""
        with self._model_lock:
            if not self._model:
                response = self._request("GET", "/models", None, self.options.read_timeout_s)
                try:
                    self._model = json.loads(_read(response))["data"][0]["id"]
                except (KeyError, IndexError, TypeError, ValueError) as exc:
                    raise LMUnavailableError(
                        f"{self.name}: cannot list models; set CHATREC_LM_MODEL") from exc
                finally:
                    response.close()
            return self._model

    def _read_timeout(self, max_time_s: float | None, start: float) -> float:
        if max_time_s is None:
            return self.options.read_timeout_s
        left = max_time_s - (time.perf_counter() - start)
        return max(0.05, min(self.options.read_timeout_s, left))

    def _request(self, method: str, path: str, body: bytes | None, read_timeout: float) -> Any:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self.options.connect_timeout_s)
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.options.api_key:
            headers["Authorization"] = f"Bearer {self.options.api_key}"
        try:
            conn.connect()
            conn.sock.settimeout(read_timeout)
            conn.request(method, self._path + path, body=body, headers=headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise LMUnavailableError(f"{self.name}: server unreachable or slow ({exc})") from exc
        if response.status != 200:
            detail = _read(response)[:200]
            response.close()
            raise LMUnavailableError(f"{self.name}: server answered {response.status}: {detail}")
        return response


def _sse_data(response: Any) -> Iterator[str]:
    """The ``data:`` payloads of a server-sent-event stream (one line each; comments skipped).

    Each read waits at most the socket's read timeout, set when the request was sent.
    """
    for raw in response:
        line = raw.decode("utf-8", "replace").strip()
        if line.startswith("data:"):
            yield line[5:].strip()


def _read(response: Any) -> str:
    try:
        return response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        raise LMUnavailableError(f"reading the LM server's answer failed ({exc})") from exc


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
