"""Conversational acts that state no preference: goodbyes, off-topic requests, starting the
search over, and dropping one kind of constraint ("any era", "forget the genre").

The phrases are data (``chat_acts.toml``), compiled once per catalog: ``{N}`` stands for the
catalog's item nouns, ``{V}`` for its verbs and ``{G}`` for its genre words, so a books catalog
hears "not about books".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomllib

from chatrec.domain.vocabulary import Vocabulary

PHRASES_FILE = Path(__file__).resolve().parent / "chat_acts.toml"
DROP_KINDS = ("genre", "era")  # what "drop" may name besides "all" (a reset)


@cache
def phrases(path: Path = PHRASES_FILE) -> dict:
    """The parsed phrase tables (read once)."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def normal(text: str) -> str:
    """The form every pattern reads: lower case, straight apostrophes."""
    return text.lower().replace("’", "'").replace("‘", "'")


def alternatives(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first; one that never matches when empty."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in ordered) or "(?!x)x"


def compile_all(patterns: Iterable[str], vocabulary: Vocabulary) -> tuple[re.Pattern, ...]:
    """``patterns`` with the catalog placeholders filled, compiled."""
    genres = [*vocabulary.genre_aliases, *(g.lower() for g in vocabulary.genre_names)]
    fill = {"{N}": f"(?:{alternatives(vocabulary.item_words)})",
            "{V}": f"(?:{alternatives(vocabulary.verbs)})",
            "{G}": f"(?:{alternatives(genres)})"}
    compiled = []
    for pattern in patterns:
        for key, value in fill.items():
            pattern = pattern.replace(key, value)
        compiled.append(re.compile(pattern))
    return tuple(compiled)


@dataclass(frozen=True)
class Drop:
    """Constraint kinds a message drops and the character spans that said so."""

    kinds: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()


class ChatActs:
    """The goodbye / off-topic / reset / drop phrases of one catalog."""

    def __init__(self, vocabulary: Vocabulary, table: Mapping | None = None) -> None:
        data = table or phrases()
        self._goodbye = compile_all(data["goodbye"]["patterns"], vocabulary)
        self._reset = compile_all(data["reset"]["patterns"], vocabulary)
        off = data["off_topic"]
        self._off = compile_all(off["patterns"], vocabulary)
        self._off_strong = compile_all(off["strong"], vocabulary)
        others = [w for w in off["other_items"] if w not in vocabulary.item_words]
        self._other_items = re.compile(rf"\b({alternatives(others)})\b")
        self._own_items = re.compile(rf"\b({alternatives(vocabulary.item_words)})\b")
        self._drops = {kind: compile_all(data["drop"][kind], vocabulary) for kind in DROP_KINDS}
        self._smalltalk = compile_all(data["smalltalk"]["patterns"], vocabulary)
        self._smalltalk_strong = compile_all(data["smalltalk"]["over_thanks"], vocabulary)
        self._chatty = compile_all(data["smalltalk"]["chatty"], vocabulary)
        self._to_bot = compile_all(data["smalltalk"]["to_bot"], vocabulary)

    def goodbye(self, text: str) -> bool:
        """"bye for now", "ok that's all", "gotta go", "cya"."""
        return _any(self._goodbye, normal(text))

    def smalltalk(self, text: str, thanked: bool) -> bool:
        """Chit-chat with the bot ("are you a bot", "you're good at this", "lol ok"); with a
        thanks in the message (``thanked``) only the forms that outweigh it ("im good, you?")."""
        low = normal(text)
        return _any(self._smalltalk_strong, low) or (
            not thanked and _any(self._smalltalk, low))

    def chatty(self, text: str) -> bool:
        """Words of chat rather than of a request: the bot spoken to ("how old are you"), or
        chat markers ("brb getting snacks", "sorry was afk"). Only weighed when nothing else
        decided the intent and the message names nothing of the catalog."""
        return _any(self._chatty, normal(text))

    def to_bot(self, text: str) -> bool:
        """Praise or teasing addressed to the bot ("you're good at this", "nice one bot"):
        the chat is judged, not the pick in focus."""
        return _any(self._to_bot, normal(text))

    def reset(self, text: str) -> bool:
        """"start over", "new search", "let's start fresh"."""
        return _any(self._reset, normal(text))

    def off_topic(self, text: str, stated: bool) -> bool:
        """An out-of-domain request. ``stated``: the message names a genre, title, era or
        shown pick, which makes it a request unless it says it is not about the items."""
        low = normal(text)
        if _any(self._off_strong, low):
            return True
        if stated or self._own_items.search(low):
            return False
        return _any(self._off, low) or bool(self._other_items.search(low))

    def drops(self, text: str) -> Drop:
        """The constraint kinds dropped ("any era is fine" -> era) and where."""
        low, kinds, spans = normal(text), [], []
        for kind, patterns in self._drops.items():
            found = [m.span() for p in patterns for m in p.finditer(low)]
            if found:
                kinds.append(kind)
                spans.extend(found)
        return Drop(tuple(kinds), tuple(spans))


def _any(patterns: Iterable[re.Pattern], text: str) -> bool:
    return any(p.search(text) for p in patterns)
