"""A real browser (Debian's chromium through Playwright) drives the real app on ml-100k.

The app runs as ``python -m chatrec serve`` in a subprocess, so a test can restart it mid-session
and check what the same browser sees afterwards.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from served import FixedPortApp, app_env
from test_ui import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.integration]
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
VISIBLE_LIKES = 'button[aria-label="Like"]:visible'
VISIBLE_DISLIKES = 'button[aria-label="Dislike"]:visible'
BOTS = '[data-testid="bot"]'


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it with apt)")
    folder = tmp_path_factory.mktemp("browser")
    served = FixedPortApp(app_env(f"sqlite:///{folder / 'chat.db'}"), folder / "serve.log",
                          free_port())
    with served:
        yield served


@pytest.fixture(scope="module")
def app_url(app):
    return app.url


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        opened = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        yield opened
        opened.close()


def outside_requests(page) -> list[str]:
    """Start recording every request the page makes to a non-loopback host."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url)
            if urlparse(r.url).hostname not in LOOPBACK and r.url.startswith("http") else None)
    return seen


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


def test_chat_thumbs_and_why_in_a_real_browser(app_url, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
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
    for name in ("chatrec.png", "chatrec-session.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000


def bot_texts(page) -> list[str]:
    return [t.strip() for t in page.locator(BOTS).all_inner_texts()]


def wait_for_more_bots(page, before: int) -> None:
    page.wait_for_function(f"n => document.querySelectorAll('{BOTS}').length > n", arg=before,
                           timeout=30_000)


def test_restart_keeps_profile_and_conversation(app, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside = outside_requests(page)
    page.goto(app.url)
    send(page, "a feel-good comedy for a rainy evening", 6)
    picks = len(movie_titles(page))
    # 👍/👎 only on picks: the lead-in has none.
    assert picks == 5 and page.locator(VISIBLE_LIKES).count() == picks
    bots = page.locator(BOTS).count()
    page.locator(VISIBLE_LIKES).nth(1).click()
    wait_for_more_bots(page, bots)
    assert page.locator(VISIBLE_LIKES).count() == picks  # the acknowledgement has none either
    page.wait_for_timeout(1000)  # the profile panel updates after the acknowledgement
    panel, chat = page.locator("#profile").inner_text(), bot_texts(page)
    assert "Liked" in panel or "liked" in panel, panel

    page.reload()
    page.wait_for_function(f"n => document.querySelectorAll('{BOTS}').length >= n",
                           arg=len(chat), timeout=30_000)
    page.wait_for_timeout(1000)
    assert bot_texts(page) == chat and page.locator("#profile").inner_text() == panel

    app.restart()
    page.reload()
    page.wait_for_function(f"n => document.querySelectorAll('{BOTS}').length >= n",
                           arg=len(chat), timeout=30_000)
    page.wait_for_timeout(1000)
    assert bot_texts(page) == chat, "the conversation did not survive the restart"
    assert page.locator("#profile").inner_text() == panel, "the profile did not survive"

    bots = page.locator(BOTS).count()
    page.locator(VISIBLE_DISLIKES).nth(3).click()  # thumbs still work after the restart
    wait_for_more_bots(page, bots)
    page.wait_for_timeout(1000)
    assert "won't show it again" in bot_texts(page)[-1]
    assert page.locator("#profile").inner_text() != panel
    assert outside == []


def test_forget_clears_the_browser_too(app, browser) -> None:
    page = browser.new_page()
    page.goto(app.url)
    send(page, "animated films for kids", 6)
    page.wait_for_timeout(500)
    before = page.evaluate("() => ({...localStorage})")
    page.get_by_role("button", name="Forget me").click()
    page.get_by_role("button", name="Yes, forget everything").click()
    page.wait_for_function(f"() => document.querySelectorAll('{BOTS}').length === 0",
                           timeout=30_000)
    page.wait_for_timeout(1000)
    after = page.evaluate("() => ({...localStorage})")
    assert set(after) <= {"chatrec_user_id"} and after != before
    assert not any("animated" in v.lower() for v in after.values())
    page.reload()
    page.wait_for_timeout(2000)
    assert page.locator(BOTS).count() == 0  # nothing restored for the new id


INJECTIONS = [
    "<script>window.__pwned = 1</script>",
    "<img src=x onerror=\"window.__pwned = 2\">",
    "<svg onload=\"window.__pwned = 3\"></svg>",
    "<iframe srcdoc=\"<script>parent.__pwned = 4</script>\"></iframe>",
    "[click](javascript:window.__pwned=5)",
    "\"><script>window.__pwned = 6</script>",
    "<a href=\"javascript:window.__pwned=7\" id=\"pw\">x</a>",
    "![x](http://203.0.113.9/t.png) <img src=http://203.0.113.9/u.png>",
]
URL = "http://example.com/a_b_c?x=1&y=2"


def test_injected_markup_runs_nothing_and_fetches_nothing(app, browser, tmp_path) -> None:
    page = browser.new_page()
    outside = outside_requests(page)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app.url)
    page.wait_for_timeout(1000)
    for n, payload in enumerate(INJECTIONS, start=1):
        send(page, payload, n)
    send(page, f"see {URL} *please*", len(INJECTIONS) + 1)
    assert page.locator(f'a[href="{URL}"]').count() == 1  # auto-linked, no backslash inside
    csv = tmp_path / "evil.csv"
    csv.write_text("title,rating\n<img src=http://203.0.113.9/t.png onerror=window.__pwned=9>,5\n"
                   "Fargo,5\n")
    page.locator("input[type=file]").set_input_files(str(csv))
    page.get_by_text("Imported 1 rating").wait_for(timeout=30_000)
    for link in page.locator("a[href^='javascript']").all():
        link.click()
    page.wait_for_timeout(1000)
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == [] and outside == []
    assert "&lt;img" not in page.get_by_text("Imported 1 rating").inner_text()
