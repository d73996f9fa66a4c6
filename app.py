"""Serve chatrec: settings from the environment, the packaged catalog and models, Gradio UI."""

from __future__ import annotations

import logging

from chatrec.app.recommender import ChatRecommender
from chatrec.app.settings import Settings
from chatrec.app.ui import launch

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    launch(ChatRecommender.from_settings(Settings.from_env()))
