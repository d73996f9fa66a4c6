"""The Gradio chat app: a thin shell over `ChatRecommender`.

Each movie is its own assistant message (``metadata={"id": "movie:<id>"}``) so it gets its own
👍/👎. Handlers never raise into the page: errors become a friendly chat message and a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from chatrec.app.recommender import ChatRecommender
from chatrec.dialogue.acts import Turn
from chatrec.explain.words import escape_markdown

log = logging.getLogger(__name__)
EXAMPLES = [
    "something tense from the 90s, I loved Heat, no horror",
    "a feel-good comedy for a rainy evening",
    "more like Fargo",
    "animated films for kids",
]
EMPTY_STATE = (
    "### What are you in the mood for?\n"
    "Tell me a genre, an era or a film you loved. Every pick comes from the catalog, with "
    "👍/👎 to teach me and a *why?* behind it."
)
FRIENDLY_ERROR = "Sorry, something went wrong on my side. Please try again."

History = list[dict[str, Any]]


def pick_message(rec: Any, position: int, noun: str) -> dict[str, Any]:
    """One recommendation as its own chat message, carrying ``<noun>:<item id>`` for thumbs."""
    genres = ", ".join(rec.genres) or "no genre listed"
    year = f" ({rec.year})" if rec.year else ""
    content = (f"**{position}. {escape_markdown(rec.title)}**{year} · {escape_markdown(genres)}"
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


def item_id_at(history: History, index: int) -> str | None:
    """The item id of the pick message at ``index``, or None for any other message."""
    if not 0 <= index < len(history):
        return None
    kind, sep, item_id = str((history[index].get("metadata") or {}).get("id") or "").partition(":")
    return item_id if sep and kind.isalpha() and item_id else None


def event_index(data: gr.EventData) -> int:
    """The chat message a like/select event refers to (Gradio may send a (row, col) pair)."""
    index = data.index
    return int(index if isinstance(index, int) else index[0])


class ChatHandlers:
    """Event handlers bound to one recommender; kept separate from layout for testing."""

    def __init__(self, rec: ChatRecommender) -> None:
        self.rec = rec

    def ensure_user(self, user_id: str | None) -> tuple[str, str]:
        """Reuse the browser's stored id, or mint a new opaque one."""
        user_id = user_id if user_id and self.rec.is_valid_user_id(user_id) else None
        user_id = user_id or self.rec.new_user_id()
        return user_id, self.profile_markdown(user_id)

    def profile_markdown(self, user_id: str) -> str:
        try:
            return self.rec.profile_markdown(user_id)
        except Exception:  # noqa: BLE001 - the panel must never break the page
            log.exception("profile panel failed")
            return "_Profile unavailable right now._"

    def respond(self, message: str, history: History | None, user_id: str | None
                ) -> Iterator[tuple[History, str, str, str]]:
        """Stream the reply; yields (history, textbox value, profile panel, user id)."""
        history = list(history or [])
        user_id, _ = self.ensure_user(user_id)  # a first message may beat the page's load event
        if not (message or "").strip():
            yield history, "", self.profile_markdown(user_id), user_id
            return
        history.append({"role": "user", "content": escape_markdown(message)})
        try:
            for turn in self.rec.respond_stream(user_id, message):
                yield history + self._messages(turn), "", gr.skip(), user_id
        except Exception:  # noqa: BLE001 - never a traceback in the page
            log.exception("respond failed")
            history.append({"role": "assistant", "content": FRIENDLY_ERROR})
            yield history, "", gr.skip(), user_id
            return
        yield history + self._messages(turn), "", self.profile_markdown(user_id), user_id

    def _messages(self, turn: Turn) -> History:
        return turn_messages(turn, self.rec.catalog.info.noun)

    def on_like(self, history: History, data: gr.LikeData, user_id: str | None
                ) -> tuple[History, str]:
        """A thumb on a movie message: record it (committed first), then acknowledge."""
        history = list(history or [])
        item_id = item_id_at(history, event_index(data))
        if item_id is None or not user_id:
            return history, gr.skip()
        liked = data.liked if isinstance(data.liked, bool) else None
        try:
            ack = self.rec.feedback(user_id, item_id, liked=liked)
        except Exception:  # noqa: BLE001
            log.exception("feedback failed")
            ack = "Sorry, I couldn't save that rating. Please try again."
        history.append({"role": "assistant", "content": ack})
        return history, self.profile_markdown(user_id)

    def on_select(self, history: History, data: gr.SelectData, user_id: str | None
                  ) -> History:
        """Clicking a movie message asks "why this?"."""
        history = list(history or [])
        item_id = item_id_at(history, event_index(data))
        if item_id is None or not user_id:
            return history
        try:
            text = self.rec.explain(user_id, item_id)
        except Exception:  # noqa: BLE001
            log.exception("explain failed")
            text = FRIENDLY_ERROR
        history.append({"role": "assistant", "content": text,
                        "metadata": {"title": "Why this?"}})
        return history

    def forget(self, user_id: str | None) -> tuple[History, str, str]:
        """Delete everything about this user and start over with a fresh id."""
        if user_id:
            self.rec.forget(user_id)
        new_id = self.rec.new_user_id()
        return [], new_id, self.profile_markdown(new_id)

    def import_ratings(self, file: Any, user_id: str | None) -> tuple[str, str]:
        """Import a ratings CSV and report how many rows matched."""
        if file is None or not user_id:
            return "Choose a CSV file first.", gr.skip()
        path = getattr(file, "name", file)
        try:
            report = self.rec.import_history(user_id, path)
        except ValueError as exc:
            return f"Could not import: {escape_markdown(str(exc))}", gr.skip()
        return report.message, self.profile_markdown(user_id)


def build_demo(rec: ChatRecommender) -> gr.Blocks:
    """Lay out the chat, the profile panel, import and the credit footer."""
    handlers = ChatHandlers(rec)
    with gr.Blocks(title="chatrec") as demo:
        user_id = gr.BrowserState(None, storage_key="chatrec_user_id")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="chatrec", group_consecutive_messages=False,
                                     height=620, placeholder=EMPTY_STATE, allow_tags=False,
                                     buttons=["copy"])
                textbox = gr.Textbox(placeholder="What are you in the mood for?", show_label=False,
                                     max_length=rec.settings.max_message_chars, submit_btn=True,
                                     autofocus=True)
                gr.Examples(EXAMPLES, inputs=textbox, label="Try")
            with gr.Column(scale=1, min_width=260):
                profile = gr.Markdown("_Loading your profile…_")
                forget = gr.Button("Forget me", variant="stop", size="sm")
                with gr.Row(visible=False) as confirm_row:
                    confirm = gr.Button("Yes, forget everything", variant="stop", size="sm")
                    cancel = gr.Button("Cancel", size="sm")
                upload = gr.File(label="Import my ratings (CSV)", file_types=[".csv"])
                import_status = gr.Markdown()
        gr.Markdown(footer(rec))

        demo.load(handlers.ensure_user, user_id, [user_id, profile])
        textbox.submit(handlers.respond, [textbox, chatbot, user_id],
                       [chatbot, textbox, profile, user_id], concurrency_id="lm",
                       concurrency_limit=2)
        chatbot.like(handlers.on_like, [chatbot, user_id], [chatbot, profile])
        chatbot.select(handlers.on_select, [chatbot, user_id], chatbot)
        forget.click(lambda: gr.Row(visible=True), None, confirm_row)
        cancel.click(lambda: gr.Row(visible=False), None, confirm_row)
        confirm.click(handlers.forget, user_id, [chatbot, user_id, profile]).then(
            lambda: gr.Row(visible=False), None, confirm_row)
        upload.upload(handlers.import_ratings, [upload, user_id], [import_status, profile])
    return demo


def footer(rec: ChatRecommender) -> str:
    """Name the catalog (with its data credit, such as GroupLens for MovieLens) and the models."""
    lm = rec.settings.lm if rec.settings.lm != "none" else "none (template replies)"
    credit = rec.catalog.info.credit  # written by the loader, not by the catalog's files
    parts = [f"Catalog: {escape_markdown(rec.dataset_name)}", *([credit] if credit else []),
             f"language model: {escape_markdown(lm)}",
             f"embeddings: {escape_markdown(rec.settings.embedder)}",
             "runs entirely on this machine"]
    return f"<small>{' · '.join(parts)}</small>"


def launch(rec: ChatRecommender, auth: tuple[str, str] | None = None,
           prevent_thread_lock: bool = False) -> gr.Blocks:
    """Queue and serve the app on the configured host and port."""
    demo = build_demo(rec)
    demo.queue(default_concurrency_limit=8, max_size=64)
    demo.launch(server_name=rec.settings.host, server_port=rec.settings.port, auth=auth,
                prevent_thread_lock=prevent_thread_lock, show_error=False)
    return demo
