"""The Gradio chat app: a thin shell over `ChatRecommender` (handlers live in `handlers`).

Privacy: the browser keeps only a server-signed id, encrypted with a key derived from the
install secret (so it survives restarts); Gradio's browser-side run history is off (it would
keep the id and every message in localStorage); only the chat endpoint is part of the public
API; analytics and version checks are off (see `chatrec.app.offline`).
"""

from __future__ import annotations

import gradio as gr
from starlette.middleware import Middleware

from chatrec.app.handlers import FRIENDLY_ERROR, ChatHandlers  # noqa: F401 - public here
from chatrec.app.http_guard import BadRequestGuard
from chatrec.app.messages import (  # noqa: F401 - public here
    PICK_CLASS,
    History,
    item_id_at,
    pick_message,
    turn_messages,
)
from chatrec.app.recommender import ChatRecommender
from chatrec.explain.words import escape_markdown

EMPTY_STATE = (
    "### What are you in the mood for?\n"
    "Tell me a genre, an era or a {noun} you loved. Every pick comes from the catalog, with "
    "👍/👎 to teach me and a *why?* behind it."
)
USER_KEY = "chatrec_user_id"
# Gradio draws 👍/👎 in a button bar after every bot message; only picks (marked with
# PICK_CLASS) keep them.
CSS = f"""
.message-row:not(:has(.{PICK_CLASS})) + .message-buttons button[aria-label="Like"],
.message-row:not(:has(.{PICK_CLASS})) + .message-buttons button[aria-label="Dislike"] {{
  display: none;
}}
"""
# After "Forget me": drop anything else this page left in localStorage (the new encrypted id
# is written by Gradio after this runs).
CLEAR_STORAGE_JS = f"""() => {{
  for (const key of Object.keys(localStorage)) {{
    if (key !== "{USER_KEY}") localStorage.removeItem(key);
  }}
}}"""
PRIVATE = "private"  # not in the API docs and not callable by name from gradio_client


def build_demo(rec: ChatRecommender, handlers: ChatHandlers | None = None) -> gr.Blocks:
    """Lay out the chat, the profile panel, import and the credit footer."""
    handlers = handlers or ChatHandlers(rec)
    empty_state = EMPTY_STATE.format(noun=escape_markdown(rec.catalog.info.noun))
    with gr.Blocks(title="chatrec", analytics_enabled=False) as demo:
        user_id = gr.BrowserState(None, storage_key=USER_KEY,
                                  secret=handlers.identity.browser_secret)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="chatrec", group_consecutive_messages=False,
                                     height=620, placeholder=empty_state, allow_tags=False,
                                     buttons=["copy"])
                # No max_length: the browser would cut silently; the server cuts with a notice.
                textbox = gr.Textbox(placeholder="What are you in the mood for?", show_label=False,
                                     submit_btn=True, autofocus=True)
                gr.Examples(list(rec.vocabulary.examples), inputs=textbox, label="Try")
            with gr.Column(scale=1, min_width=260):
                profile = gr.Markdown("_Loading your profile…_", elem_id="profile")
                forget = gr.Button("Forget me", variant="stop", size="sm")
                with gr.Row(visible=False) as confirm_row:
                    confirm = gr.Button("Yes, forget everything", variant="stop", size="sm")
                    cancel = gr.Button("Cancel", size="sm")
                upload = gr.File(label="Import my ratings (CSV)", file_types=[".csv"])
                import_status = gr.Markdown()
        gr.Markdown(footer(rec))
        _wire(handlers, user_id, chatbot, textbox, profile, upload, import_status,
              (forget, confirm, cancel, confirm_row), demo)
    return demo


def _wire(handlers: ChatHandlers, user_id: gr.BrowserState, chatbot: gr.Chatbot,
          textbox: gr.Textbox, profile: gr.Markdown, upload: gr.File, import_status: gr.Markdown,
          forgetting: tuple, demo: gr.Blocks) -> None:
    """Connect the events; only /respond (which takes a signed id) is a public API route."""
    forget, confirm, cancel, confirm_row = forgetting
    demo.load(handlers.ensure_user, user_id, [user_id, profile, chatbot],
              api_visibility=PRIVATE)
    textbox.submit(handlers.respond, [textbox, chatbot, user_id],
                   [chatbot, textbox, profile, user_id], concurrency_id="lm",
                   concurrency_limit=2, api_name="respond")
    chatbot.like(handlers.on_like, [chatbot, user_id], [chatbot, profile],
                 api_visibility=PRIVATE)
    chatbot.select(handlers.on_select, [chatbot, user_id], chatbot, api_visibility=PRIVATE)
    forget.click(lambda: gr.Row(visible=True), None, confirm_row, api_visibility=PRIVATE)
    cancel.click(lambda: gr.Row(visible=False), None, confirm_row, api_visibility=PRIVATE)
    confirm.click(handlers.forget, user_id, [chatbot, user_id, profile],
                  api_visibility=PRIVATE).then(
        lambda: gr.Row(visible=False), None, confirm_row, api_visibility=PRIVATE,
        js=CLEAR_STORAGE_JS)
    upload.upload(handlers.import_ratings, [upload, user_id], [import_status, profile],
                  api_visibility=PRIVATE)


def footer(rec: ChatRecommender) -> str:
    """Name the catalog (with its data credit, such as GroupLens for MovieLens) and the models."""
    lm = rec.settings.lm if rec.settings.lm != "none" else "none (template replies)"
    credit = rec.catalog.info.credit  # written by the loader, not by the catalog's files
    parts = [f"Catalog: {escape_markdown(rec.dataset_name)}", *([credit] if credit else []),
             f"language model: {escape_markdown(lm)}",
             f"embeddings: {escape_markdown(rec.settings.embedder)}",
             "runs entirely on this machine"]
    return f"<small>{' · '.join(parts)}</small>"


def launch(rec: ChatRecommender, auth: list[tuple[str, str]] | tuple[str, str] | None = None,
           prevent_thread_lock: bool = False, port: int | None = None,
           **kwargs: object) -> gr.Blocks:
    """Queue and serve the app on the configured host and port (``port`` overrides it)."""
    demo = build_demo(rec)
    # api_open=False: every call goes through the queue, none through the direct REST route.
    demo.queue(default_concurrency_limit=8, max_size=64, api_open=False)
    demo.launch(server_name=rec.settings.host, server_port=port or rec.settings.port, auth=auth,
                prevent_thread_lock=prevent_thread_lock, show_error=False, run_history=False,
                css=CSS, app_kwargs={"middleware": [Middleware(BadRequestGuard)]}, **kwargs)
    return demo
