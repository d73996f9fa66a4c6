"""What the dialogue hands back: `Turn` (one answer, possibly streamed) and its `Recommendation`s,
plus the typed outcome of applying a message's feedback (`Applied`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chatrec.understand.message import Intent


@dataclass(frozen=True)
class Recommendation:
    """One pick as the outside world sees it; ``explanation`` is a one-line grounded reason."""

    item_id: str
    title: str
    year: int
    genres: tuple[str, ...]
    score: float
    explanation: str


@dataclass(frozen=True)
class Turn:
    """chatrec's answer to one message.

    ``text`` is the reply (markdown, escaped, never empty); ``recommendations`` are shown one per
    message; ``explanation`` is a "why this?" answer (also the ``text`` of a why-turn) that the
    UI shows collapsible; ``lead_in_source`` says whether the LM or a template wrote the first
    sentence.
    """

    text: str
    recommendations: tuple[Recommendation, ...] = ()
    intent: Intent = Intent.UNKNOWN
    explanation: str | None = None
    lead_in_source: str = "template"
    lead_in_seconds: float = 0.0  # time the LM spent on the lead-in (0 without an LM)
    question: str | None = None
    final: bool = True
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage (final turn)

    def __post_init__(self) -> None:
        object.__setattr__(self, "intent", Intent(self.intent))


@dataclass(frozen=True)
class Applied:
    """The outcome of committing a message's stated likes, references and constraints.

    ``acks`` are acknowledgements to put before the picks; ``answer`` is set when the message
    cannot lead to picks (it refers to nothing on screen, say) and is the whole reply.
    """

    acks: tuple[str, ...] = ()
    answer: str | None = None

    @property
    def ack(self) -> str | None:
        """The acknowledgements as one paragraph, or None."""
        return " ".join(self.acks) or None
