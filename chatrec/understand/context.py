"""What is on screen when a message arrives: the context `Parser.parse` reads a message in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseContext:
    """What is on screen when a message arrives: ``shown_count`` items were listed last (None
    when unknown, so no reference counts as out of range); ``shown`` are their catalog indices
    in order (empty when unknown) and ``focus`` the one "it" means (last asked about).
    ``asked``: an earlier request is still in force (its picks may have been cleared or never
    found), so a bare addition to it ("throw some romance in there too") refines it."""

    shown_count: int | None = None
    shown: tuple[int, ...] = ()
    focus: int | None = None
    asked: bool = False

    @classmethod
    def on_screen(cls, shown: tuple[int, ...] | list[int], focus: int | None = None,
                  asked: bool = False) -> ParseContext:
        """The context with these picks on screen."""
        return cls(shown_count=len(shown), shown=tuple(shown), focus=focus, asked=asked)
