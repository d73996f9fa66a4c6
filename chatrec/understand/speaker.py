"""Whose verdict a reaction states: "my wife loved it, i didn't" judges the pick for the
speaker as not liked, "my kids loved it but i was bored" by the speaker's own words. The
phrases are data (``reactions.toml`` ``[speaker]``)."""

from __future__ import annotations

import re
from collections.abc import Sequence


def _words(phrases: Sequence[str]) -> re.Pattern[str]:
    """Any of ``phrases`` as whole words, longest first, apostrophes optional."""
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(re.escape(p).replace("'", "'?").replace(r"\ ", r"\s+") for p in ordered)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])")


class SpeakerView:
    """Rewrites a normalised message so that only the speaker's verdict is left in it."""

    def __init__(self, data: dict) -> None:
        self.others, self.contrast = _words(data["others"]), _words(data["contrast"])
        self.own = _words(data["own"])

    def of(self, low: str) -> str:
        """``low`` with another person's verdict replaced by the speaker's: a contrast that
        ends the message negates that person's words ("my wife loved X i didnt" -> "i didnt
        loved X"); a later clause of the speaker's own replaces them; otherwise (no word of
        the speaker's: "she loved it") the message is left as it is."""
        other = self.others.search(low)
        if other is None:
            return low
        head, rest = low[:other.start()], low[other.end():]
        contrast = self.contrast.search(rest)
        if contrast and not rest[contrast.end():].strip(" .!,"):
            return f"{head}{contrast.group(0)} {rest[:contrast.start()]}".strip()
        own = self.own.search(rest)
        return f"{head}{rest[own.start():]}".strip() if own else low
