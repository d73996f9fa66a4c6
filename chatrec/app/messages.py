"""Chat messages as the Gradio chatbot shows them, and checks for what the page sends back.

Each pick is its own assistant message carrying ``metadata={"id": "<noun>:<item id>"}`` so it
gets its own 👍/👎. Everything the page sends (history, event indices, like values) is treated
as untrusted: these helpers return None or a cleaned value instead of raising.
"""

from __future__ import annotations

import re
from typing import Any

from chatrec.dialogue.acts import Turn
from chatrec.explain.words import escape_markdown

History = list[dict[str, Any]]
ROLES = frozenset({"user", "assistant"})
PICK_CLASS = "chatrec-pick"  # the page shows 👍/👎 only on messages with this marker
# A URL stops at whitespace and at characters markdown or HTML would give a meaning to, so what
# it keeps can be shown unescaped (an escaping backslash would end up inside the link).
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\\\[\]()*|{}]+")
_URL_TRAILING = ".,;:!?"


def escape_text(text: object) -> str:
    """User- or file-derived text made literal for markdown, leaving auto-linked URLs intact."""
    text = "" if text is None else str(text)
    parts, last = [], 0
    for match in _URL_RE.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILING)
        parts += [escape_markdown(text[last:match.start()]), url.replace("&", "&amp;")]
        last = match.start() + len(url)
    parts.append(escape_markdown(text[last:]))
    return "".join(parts)


def pick_message(rec: Any, position: int, noun: str) -> dict[str, Any]:
    """One recommendation as its own chat message, carrying ``<noun>:<item id>`` for thumbs."""
    genres = ", ".join(rec.genres) or "no genre listed"
    year = f" ({rec.year})" if rec.year else ""
    content = (f"<span class=\"{PICK_CLASS}\"></span>"
               f"**{position}. {escape_markdown(rec.title)}**{year} · {escape_markdown(genres)}"
               f"\n\n{rec.explanation}")
    return {"role": "assistant", "content": content,
            "metadata": {"id": f"{noun}:{rec.item_id}"}}


def turn_messages(turn: Turn, noun: str) -> History:
    """The reply text, then one message per pick, then a collapsible explanation if any (a
    why-turn's text is its explanation, shown once)."""
    shows_text = turn.text and turn.text != turn.explanation
    messages: History = [{"role": "assistant", "content": turn.text}] if shows_text else []
    messages += [pick_message(r, i, noun) for i, r in enumerate(turn.recommendations, start=1)]
    if turn.explanation:
        messages.append({"role": "assistant", "content": turn.explanation,
                         "metadata": {"title": "Why this?"}})
    return messages


def item_id_at(history: History, index: object) -> str | None:
    """The item id of the pick message at ``index``, or None for any other message or index."""
    if type(index) is not int or not 0 <= index < len(history):
        return None
    message = history[index]
    metadata = message.get("metadata") if isinstance(message, dict) else None
    raw = metadata.get("id") if isinstance(metadata, dict) else None
    kind, sep, item_id = str(raw or "").partition(":")
    return item_id if sep and kind.isalpha() and item_id else None


def event_index(data: object) -> int | None:
    """The chat message a like/select event refers to (Gradio may send a (row, col) pair), or
    None when the event carries no usable index."""
    index = getattr(data, "index", None)
    if isinstance(index, (list, tuple)) and index:
        index = index[0]
    return index if type(index) is int and index >= 0 else None


def like_choice(data: object) -> bool | None | str:
    """True (👍), False (👎), None (un-click: Gradio sends ``""``) or ``"ignore"`` for any
    other value: a custom or malformed choice must never undo a thumb."""
    liked = getattr(data, "liked", "ignore")
    if isinstance(liked, bool):
        return liked
    return None if liked == "" else "ignore"


def clean_history(history: object) -> History:
    """The page's chat history with anything malformed dropped (a new list)."""
    if not isinstance(history, (list, tuple)):
        return []
    cleaned: History = []
    for message in history:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            continue
        content = message.get("content")
        if not isinstance(content, (str, list)):
            continue
        kept = {"role": message["role"], "content": content}
        if isinstance(message.get("metadata"), dict):
            kept["metadata"] = message["metadata"]
        cleaned.append(kept)
    return cleaned


def cut_notice(length: int, limit: int) -> dict[str, Any]:
    """The message that tells the user their text was cut to ``limit`` characters."""
    return {"role": "assistant",
            "content": f"Your message was {length:,} characters long, so I read only the "
                       f"first {limit:,}."}
