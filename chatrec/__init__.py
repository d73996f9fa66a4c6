"""chatrec: a local-first conversational recommender.

The public API is ``from chatrec import ChatRecommender, Settings`` (and the `Turn` and
`Recommendation` it answers with). They load on first use, so importing one stage module
(``chatrec.domain.catalog``, say) does not pull in the whole app.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatrec.app.recommender import ChatRecommender  # noqa: F401
    from chatrec.app.settings import Settings  # noqa: F401
    from chatrec.dialogue.acts import Recommendation, Turn  # noqa: F401

_PUBLIC = {
    "ChatRecommender": "chatrec.app.recommender",
    "Settings": "chatrec.app.settings",
    "Turn": "chatrec.dialogue.acts",
    "Recommendation": "chatrec.dialogue.acts",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'chatrec' has no attribute {name!r}")
