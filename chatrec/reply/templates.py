"""Reply templates from ``prompts/replies.toml`` (package data), picked deterministically.

Everything a user reads about items is rendered from structured data through these templates;
the LM only ever writes a gated lead-in (`chatrec.reply.lead_in`).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import tomllib

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


@cache
def templates(folder: Path = PROMPTS_DIR) -> dict:
    """The reply templates (``replies.toml``), parsed once per folder."""
    with (folder / "replies.toml").open("rb") as handle:
        return tomllib.load(handle)


def render(kind: str, seed: str = "", **fields: object) -> str:
    """Pick a variant of template ``kind`` deterministically from ``seed`` and fill it."""
    variants = templates()[kind]
    variants = [variants] if isinstance(variants, str) else variants
    digest = int(hashlib.blake2b(f"{kind}:{seed}".encode(), digest_size=4).hexdigest(), 16)
    return variants[digest % len(variants)].format(**fields)


def question(topic: str) -> str:
    """The clarifying question about ``topic`` (genre, era or title)."""
    return templates()["question"][topic]


class Phrasebook:
    """The templates filled with one catalog's nouns: ``{noun}`` ("movie", "book") and
    ``{nouns}`` ("movies", "books") are available to every template."""

    def __init__(self, noun: str, nouns: str) -> None:
        self.noun, self.nouns = noun, nouns

    def render(self, kind: str, seed: str = "", **fields: object) -> str:
        """`render` with this catalog's nouns."""
        return render(kind, seed, noun=self.noun, nouns=self.nouns, **fields)

    def question(self, topic: str) -> str:
        """The clarifying question about ``topic`` (genre, era or title)."""
        return question(topic).format(noun=self.noun, nouns=self.nouns)
