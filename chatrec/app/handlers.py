"""The chat page's event handlers, bound to one recommender and kept apart from the layout.

Every handler is total: whatever the page (or anyone posting to the server) sends, it returns
values the page can show and never raises. A user is named only by a server-signed token (see
`identity`); with ``--auth`` the login name decides the user. The page keeps the last messages
server-side, so a reload or a restart shows the same conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from chatrec.app.identity import Identity, NewIdLimiter
from chatrec.app.messages import (
    History,
    clean_history,
    cut_notice,
    escape_text,
    event_index,
    item_id_at,
    like_choice,
    turn_messages,
)
from chatrec.app.recommender import ChatRecommender
from chatrec.dialogue.acts import Turn

log = logging.getLogger(__name__)
FRIENDLY_ERROR = "Sorry, something went wrong on my side. Please try again."
TOO_MANY_NEW = ("Too many new visitors from your address in the last minute; please wait a "
                "minute and reload the page.")
NO_PROFILE = "_No profile yet: tell me what you like._"


def _username(request: gr.Request | None) -> str | None:
    name = getattr(request, "username", None)
    return name if isinstance(name, str) and name else None


def _client(request: gr.Request | None) -> str:
    """The address new ids are counted against (one bucket when unknown)."""
    host = getattr(getattr(request, "client", None), "host", None)
    return host if isinstance(host, str) else "unknown"


class ChatHandlers:
    """Event handlers bound to one recommender; kept separate from layout for testing."""

    def __init__(self, rec: ChatRecommender, identity: Identity | None = None,
                 limiter: NewIdLimiter | None = None) -> None:
        self.rec = rec
        self.identity = identity or Identity(rec.store.install_secret())
        self.limiter = limiter or NewIdLimiter(rec.settings.new_users_per_minute)

    # -- identity -------------------------------------------------------------------------------
    def known_user(self, token: object, request: gr.Request | None = None) -> str | None:
        """The plain id behind a login or a valid signed token; None for anything else."""
        username = _username(request)
        return self.identity.login_user_id(username) if username else self.identity.verify(token)

    def _user(self, token: object, request: gr.Request | None) -> tuple[str | None, str]:
        """(plain id, signed token): the known user, else a new id while the client's limit
        allows, else (None, "")."""
        user_id = self.known_user(token, request)
        if user_id is None:
            if not self.limiter.allow(_client(request)):
                return None, ""
            user_id = self.rec.new_user_id()
        return user_id, self.identity.sign(user_id)

    # -- handlers -------------------------------------------------------------------------------
    def ensure_user(self, token: object, request: gr.Request | None = None
                    ) -> tuple[str, str, History]:
        """On page load: (signed token, profile panel, restored conversation)."""
        user_id, token = self._user(token, request)
        if user_id is None:
            return token, TOO_MANY_NEW, []
        return token, self.profile_markdown(user_id), self.transcript(user_id)

    def transcript(self, user_id: str) -> History:
        try:
            return clean_history(self.rec.transcript(user_id))
        except Exception:  # noqa: BLE001 - a missing transcript must not break the page
            log.exception("transcript failed")
            return []

    def profile_markdown(self, user_id: str | None) -> str:
        if user_id is None:
            return NO_PROFILE
        try:
            return self.rec.profile_markdown(user_id)
        except Exception:  # noqa: BLE001 - the panel must never break the page
            log.exception("profile panel failed")
            return "_Profile unavailable right now._"

    def respond(self, message: object, history: object, token: object,
                request: gr.Request | None = None) -> Iterator[tuple[History, str, Any, str]]:
        """Stream the reply; yields (history, textbox value, profile panel, signed token)."""
        history = clean_history(history)
        user_id, token = self._user(token, request)  # a message may beat the page's load event
        text = message if isinstance(message, str) else ""
        if user_id is None:
            yield history + [{"role": "assistant", "content": TOO_MANY_NEW}], "", gr.skip(), token
            return
        if not text.strip():
            yield history, "", self.profile_markdown(user_id), token
            return
        added = [{"role": "user", "content": escape_text(text)}]
        limit = self.rec.settings.max_message_chars
        if len(text) > limit:
            added.append(cut_notice(len(text), limit))
            text = text[:limit]
        new: History = []
        for new in self._turns(user_id, text):
            yield history + added + new, "", gr.skip(), token
        self._keep(user_id, added + new)
        yield history + added + new, "", self.profile_markdown(user_id), token

    def _turns(self, user_id: str, text: str) -> Iterator[History]:
        try:
            turn = Turn("")
            for turn in self.rec.respond_stream(user_id, text):
                yield self._messages(turn)
        except Exception:  # noqa: BLE001 - never a traceback in the page
            log.exception("respond failed")
            yield [{"role": "assistant", "content": FRIENDLY_ERROR}]

    def _messages(self, turn: Turn) -> History:
        return turn_messages(turn, self.rec.catalog.info.noun)

    def _keep(self, user_id: str, messages: History) -> None:
        try:
            self.rec.keep_messages(user_id, messages)
        except Exception:  # noqa: BLE001 - the reply was shown; only the restore copy is lost
            log.exception("keeping messages failed")

    def on_like(self, history: object, data: gr.LikeData, token: object,
                request: gr.Request | None = None) -> tuple[History, Any]:
        """A thumb on a pick: record it (committed first), then acknowledge."""
        history = clean_history(history)
        user_id = self.known_user(token, request)
        item_id = item_id_at(history, event_index(data))
        liked = like_choice(data)
        if item_id is None or user_id is None or liked == "ignore":
            return history, gr.skip()
        try:
            ack = self.rec.feedback(user_id, item_id, liked=liked)
        except Exception:  # noqa: BLE001 - e.g. an item id the catalog does not have
            log.exception("feedback failed")
            ack = "Sorry, I couldn't save that rating. Please try again."
        reply = {"role": "assistant", "content": ack}
        self._keep(user_id, [reply])
        return history + [reply], self.profile_markdown(user_id)

    def on_select(self, history: object, data: gr.SelectData, token: object,
                  request: gr.Request | None = None) -> History:
        """Clicking a pick asks "why this?"."""
        history = clean_history(history)
        user_id = self.known_user(token, request)
        item_id = item_id_at(history, event_index(data))
        if item_id is None or user_id is None:
            return history
        try:
            text = self.rec.explain(user_id, item_id)
        except Exception:  # noqa: BLE001
            log.exception("explain failed")
            text = FRIENDLY_ERROR
        reply = {"role": "assistant", "content": text, "metadata": {"title": "Why this?"}}
        self._keep(user_id, [reply])
        return history + [reply]

    def forget(self, token: object, request: gr.Request | None = None
               ) -> tuple[History, str, str]:
        """Delete everything about this user and start over with a fresh id (a login keeps
        its id, now with an empty profile)."""
        user_id = self.known_user(token, request)
        if user_id is not None:
            try:
                self.rec.forget(user_id)
            except Exception:  # noqa: BLE001
                log.exception("forget failed")
                return [], token if isinstance(token, str) else "", FRIENDLY_ERROR
        new_id, new_token = self._user(None, request)
        return [], new_token, self.profile_markdown(new_id) if new_id else TOO_MANY_NEW

    def import_ratings(self, file: object, token: object,
                       request: gr.Request | None = None) -> tuple[str, Any]:
        """Import a ratings CSV and report how many rows matched (escaped: it quotes the
        file's titles)."""
        user_id = self.known_user(token, request)
        path = getattr(file, "name", file)
        if not isinstance(path, (str, Path)) or not str(path) or user_id is None:
            return "Choose a CSV file first.", gr.skip()
        try:
            report = self.rec.import_history(user_id, Path(path))
        except (ValueError, OSError, UnicodeError) as exc:
            return f"Could not import: {escape_text(exc)}", gr.skip()
        except Exception:  # noqa: BLE001
            log.exception("import failed")
            return FRIENDLY_ERROR, gr.skip()
        return escape_text(report.message), self.profile_markdown(user_id)
