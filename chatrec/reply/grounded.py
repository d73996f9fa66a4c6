"""The facts a grounded LM reply may use: the picks, why each was chosen, the question to ask.

With ``lm_reply=grounded`` the LM phrases the whole short reply above the picks from this
block instead of writing a lead-in only. The gate then checks every title and year it wrote
against the same facts (`LeadInGate.check_reply`), and templates stay the fallback. The facts
are built from what the ranker and explainer decided; the LM adds wording, never decisions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomllib

from chatrec.domain.catalog import Catalog, display_title
from chatrec.reply.templates import PROMPTS_DIR

# A short reply names one or two picks; every fact line costs ~40 prompt tokens per turn, and
# reading the prompt is what makes a grounded reply slower than a lead-in.
MAX_FACT_PICKS = 2
MAX_FACT_GENRES = 2
_MARKDOWN_ESCAPE_RE = re.compile(r"\\(.)")
_WORD_RE = re.compile(r"[A-Za-z][\w'’-]*")


@dataclass(frozen=True)
class FactPick:
    """One pick as the LM sees it: plain text, no markdown."""

    index: int  # catalog item index
    title: str  # display form ("The Usual Suspects")
    year: int
    genres: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ReplyFacts:
    """Everything a grounded reply may say; ``allowed`` are the items it may name."""

    picks: tuple[FactPick, ...]
    question: str = ""
    allowed: frozenset[int] = frozenset()  # the picks plus titles the reasons mention

    @classmethod
    def build(cls, catalog: Catalog, picks: Sequence[tuple[int, str]], question: str = "",
              also_allowed: Iterable[int] = ()) -> ReplyFacts:
        """Facts from (item index, markdown reason) pairs; ``also_allowed`` are the user's likes
        that reasons may name ("Because you liked *Heat*")."""
        chosen = tuple(
            FactPick(i, display_title(catalog.titles[i]), int(catalog.years[i]),
                     tuple(catalog.genres[i]), markdown_to_plain(reason))
            for i, reason in picks[:MAX_FACT_PICKS])
        allowed = frozenset(i for i, _ in picks) | frozenset(also_allowed)
        return cls(chosen, markdown_to_plain(question), allowed)

    def block(self) -> str:
        """The facts as the prompt shows them."""
        lines = ["Picks:"]
        for n, pick in enumerate(self.picks, 1):
            genres = ", ".join(pick.genres[:MAX_FACT_GENRES])
            reason = f": {pick.reason}" if pick.reason else ""
            lines.append(f"{n}. {pick.title} ({pick.year}), {genres}{reason}")
        if self.question:
            lines.append(f"Question: {self.question}")
        return "\n".join(lines)

    def words(self) -> frozenset[str]:
        """Every word of the facts, lower case: what a capitalised name in a reply may be."""
        return frozenset(w.lower() for w in _WORD_RE.findall(self.block()))


def markdown_to_plain(text: str) -> str:
    """Reason text as plain words: no emphasis, backslash escapes or HTML entities."""
    text = _MARKDOWN_ESCAPE_RE.sub(r"\1", text.replace("*", "").replace("👍", "a thumbs-up"))
    return " ".join(html.unescape(text).split())


def prompt_messages(system_file: Path, examples_file: Path, noun: str,
                    nouns: str) -> tuple[dict[str, str], ...]:
    """A system prompt and its few-shot pairs as chat messages, ``{noun}``/``{nouns}`` filled.

    Plain replacement, not ``str.format``: the prompts may hold other braces.
    """
    def fill(text: str) -> str:
        return text.strip().replace("{nouns}", nouns).replace("{noun}", noun)

    with examples_file.open("rb") as handle:
        examples = tomllib.load(handle)["example"]
    messages = [{"role": "system", "content": fill(system_file.read_text())}]
    for example in examples:
        messages += [{"role": "user", "content": fill(example["user"])},
                     {"role": "assistant", "content": fill(example["assistant"])}]
    return tuple(messages)


@cache
def reply_messages_prefix(folder: Path = PROMPTS_DIR, noun: str = "movie",
                          nouns: str = "movies") -> tuple[dict[str, str], ...]:
    """System prompt plus few-shot pairs for the grounded reply, about the catalog's ``noun``."""
    return prompt_messages(folder / "lead_in_reply_system.txt",
                           folder / "lead_in_reply_examples.toml", noun, nouns)


def reply_user_message(user_text: str, facts: ReplyFacts) -> str:
    """The new message of a grounded-reply prompt: what the user said, then the facts."""
    return f"Message: {user_text[:500]}\n{facts.block()}"
