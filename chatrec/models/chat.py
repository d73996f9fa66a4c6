"""What every language-model backend shares: the chat protocol, its errors and options.

A backend (transformers, llama.cpp in-process, an OpenAI-compatible server) turns a list of
``{"role", "content"}`` messages into text. The last message is the new one; everything before
it is treated as a fixed prefix that a backend may cache between calls (the system prompt and
the few-shot examples are the same on every turn).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

Message = dict[str, str]


@runtime_checkable
class LanguageModel(Protocol):
    """Writes a continuation for a chat-style list of ``{"role", "content"}`` messages."""

    name: str

    def generate(self, messages: list[Message], max_new_tokens: int = 40,
                 stream: bool = False, max_time_s: float | None = None) -> str | Iterator[str]:
        """The reply text, or an iterator of text pieces when ``stream`` is true.

        ``max_time_s`` asks the backend to stop generating after that many seconds.
        """
        ...


class LMUnavailableError(RuntimeError):
    """The LM cannot answer right now (still loading, failed to load, server down or slow).

    Callers fall back to templates without logging a traceback: this is an expected state.
    """


class LMNotReadyError(LMUnavailableError):
    """The background-loaded LM is not available (still loading, or it failed to load)."""


@dataclass(frozen=True)
class LMOptions:
    """Backend settings that are not part of the ``lm`` spec string.

    threads: CPU threads for an in-process llama.cpp model.
    model: the model name sent to an OpenAI-compatible server ("" asks the server's /models).
    connect_timeout_s / read_timeout_s: how long a server may take to accept and to answer.
    api_key: sent as a bearer token when set (vLLM ``--api-key``); never required locally.
    """

    threads: int = 1
    model: str = ""
    connect_timeout_s: float = 0.5
    read_timeout_s: float = 5.0
    api_key: str = ""


def plain_text_prompt(messages: list[Message], generation_prompt: bool = True) -> str:
    """A prompt for models with no chat template (GPT-2 family): roles as speaker labels."""
    lines = []
    for message in messages:
        role, content = message["role"], message["content"].strip()
        if role == "system":
            lines.append(content + "\n")
        else:
            lines.append(f"{'User' if role == 'user' else 'Assistant'}: {content}")
    if generation_prompt:
        lines.append("Assistant:")
    # A fixed prefix renders as the full prompt's exact text prefix (joined lines + newline).
    return "\n".join(lines) + ("" if generation_prompt else "\n")
