"""A real browser (Debian's chromium through Playwright) drives the real app on ml-100k."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_ui import free_port

from chatrec.app.recommender import ChatRecommender
from chatrec.app.settings import Settings
from chatrec.app.ui import build_demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it with apt)")
    db = tmp_path_factory.mktemp("browser") / "chat.db"
    rec = ChatRecommender.from_settings(Settings(lm="none", db_url=f"sqlite:///{db}"))
    demo = build_demo(rec)
    demo.queue()
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(),
                            prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


def movie_titles(page) -> list[str]:
    """Titles of the movie messages currently in the chat, in order."""
    texts = page.locator('[data-testid="bot"]').all_inner_texts()
    return [m.group(1) for t in texts if (m := re.match(r"\s*\d+\.\s+(.+?)\s*\(\d{4}\)", t))]


def send(page, text: str, expect_movies: int) -> None:
    box = page.get_by_test_id("textbox")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"bot\"]').length >= n",
        arg=expect_movies, timeout=60_000)
    page.wait_for_timeout(500)


def test_chat_thumbs_and_why_in_a_real_browser(app_url) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(app_url)
        send(page, "something tense from the 90s, I loved Heat, no horror", 6)
        first = movie_titles(page)
        assert len(first) == 5, first
        page.screenshot(path=str(ARTIFACTS / "chatrec.png"))
        bots = page.locator('[data-testid="bot"]').count()
        # Message 0 is the lead-in; movies follow. Thumbs: 👎 on movie 2, 👍 on movie 3.
        page.get_by_label("Dislike", exact=True).nth(2).click()
        page.wait_for_function("n => document.querySelectorAll('[data-testid=\"bot\"]').length > n",
                               arg=bots, timeout=30_000)
        bots = page.locator('[data-testid="bot"]').count()
        page.get_by_label("Like", exact=True).nth(3).click()
        page.wait_for_function("n => document.querySelectorAll('[data-testid=\"bot\"]').length > n",
                               arg=bots, timeout=30_000)
        assert "won't show it again" in page.content()
        send(page, "why #1?", bots + 2)
        assert "Why this?" in page.content()
        send(page, "more like that please", bots + 8)
        later = movie_titles(page)[len(first):]
        assert later and first[1] not in later
        page.screenshot(path=str(ARTIFACTS / "chatrec-session.png"), full_page=True)
        browser.close()
    for name in ("chatrec.png", "chatrec-session.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
