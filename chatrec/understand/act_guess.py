"""The embedding fallback of the reaction acts: when picks are on screen and no phrase of
``reactions.toml`` decides, the message is compared with exemplar sentences per act (and with
sentences that react to nothing) by sentence embedding.

The phrases catch what people usually type; this catches the paraphrases nobody listed ("that
one turns me off", "lovely, that's tonight sorted"). It only answers when the nearest act is
clearly ahead of every other one (``margin``) and close enough (``threshold``), so a request or
a question mid-conversation is not forced into an act; a guessed rejection also needs to beat
"not seen" by the margin, so a paraphrased "never seen it" is never stored as a dislike. The
exemplars are data, filled with the catalog's words, so a books catalog reads them as books.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from chatrec.domain.vocabulary import Vocabulary, article
from chatrec.understand.reactions import Act, table

# Tuned on the development files only (dev.jsonl, dev2.jsonl, dev_react.jsonl, dev3.jsonl),
# with the packaged MiniLM: the top act's mean cosine over its two nearest exemplars, and its
# lead over the runner-up act (or over "none").
THRESHOLD = 0.5
MARGIN = 0.03
TOP = 2  # exemplars averaged per act
NONE = "none"


def act_exemplars(vocabulary: Vocabulary) -> dict[str, tuple[str, ...]]:
    """The exemplar sentences per act (and "none"), in this catalog's words."""
    verb = vocabulary.verbs[0] if vocabulary.verbs else "try"
    done = next((v for v in vocabulary.cue_verbs if not v.endswith("ing")), "seen")
    noun = vocabulary.item_nouns[0][0] if vocabulary.item_nouns else "one"
    fill = {"{verb}": verb, "{done}": done, "{noun}": noun, "{a_noun}": f"{article(noun)} {noun}"}
    out = {}
    for name, texts in table()["exemplars"].items():
        filled = []
        for text in texts:
            for key, value in fill.items():
                text = text.replace(key, value)
            filled.append(text)
        out[name] = tuple(filled)
    return out


class ActGuess:
    """Nearest-exemplar act of a message, or None when no act is clearly ahead."""

    def __init__(self, encode: Callable[[str], np.ndarray],
                 exemplars: Mapping[str, Sequence[str]], batch: Callable[[list[str]], np.ndarray],
                 threshold: float = THRESHOLD, margin: float = MARGIN) -> None:
        self.encode, self.threshold, self.margin = encode, threshold, margin
        self._names = list(exemplars)
        self._vectors = [batch(list(exemplars[name])) for name in self._names]

    def scores(self, text: str) -> dict[str, float]:
        """Per act (and "none"): the mean cosine of the message with its nearest exemplars."""
        vector = self.encode(text)
        out = {}
        for name, matrix in zip(self._names, self._vectors, strict=True):
            sims = np.sort(matrix @ vector)[::-1][:TOP]
            out[name] = float(sims.mean())
        return out

    def act(self, text: str) -> Act | None:
        """The act the message is nearest to, when it leads clearly; never a guess of "none"."""
        ranked = sorted(self.scores(text).items(), key=lambda kv: -kv[1])
        (best, score), (_, second) = ranked[0], ranked[1]
        if best == NONE or score < self.threshold or score - second < self.margin:
            return None
        return Act(best)


__all__ = ["MARGIN", "THRESHOLD", "ActGuess", "act_exemplars"]
