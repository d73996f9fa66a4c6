"""Grounded replies: the facts block, the reply gate, the writer's paths and the policy's text."""

from __future__ import annotations

import time

import pytest

from chatrec.domain.catalog import display_title
from chatrec.explain.words import escape_markdown
from chatrec.reply.gate import LeadInGate, check_reply
from chatrec.reply.grounded import ReplyFacts, markdown_to_plain, reply_messages_prefix
from chatrec.reply.lead_in import FULL_REPLY, LEAD_IN, TEMPLATE, LeadInWriter, reply_mode

FALLBACK = "Here are some picks for you."
QUESTION = "Do you prefer a particular era, like the 70s or the 90s?"
GOOD = "For a tense night, Heat (1995) and Fargo (1996) fit the bill. Do you prefer an era?"


class PromptAwareLM:
    """Answers the grounded-reply prompt with ``reply`` and the lead-in prompt with ``lead_in``."""

    name = "fake"

    def __init__(self, reply: str, lead_in: str = "A tense night of movies awaits.",
                 delay_s: float = 0.0) -> None:
        self.reply, self.lead_in, self.delay_s = reply, lead_in, delay_s
        self.calls: list[str] = []

    def generate(self, messages, max_new_tokens=40, stream=False, max_time_s=None):
        grounded = messages[0] == reply_messages_prefix()[0]
        self.calls.append(FULL_REPLY if grounded else LEAD_IN)
        answer = self.reply if grounded else self.lead_in
        return self._pieces(answer) if stream else answer

    def _pieces(self, answer: str):
        for word in answer.split(" "):
            time.sleep(self.delay_s)
            yield word + " "


def idx(dataset, *ids: str) -> list[int]:
    return [dataset.catalog.index_of(i) for i in ids]


@pytest.fixture
def facts(tiny_dataset) -> ReplyFacts:
    heat, fargo, suspects = idx(tiny_dataset, "1", "2", "3")
    reasons = ["Because you liked *Reservoir Dogs*", "A \\*dark\\* crime drama", ""]
    return ReplyFacts.build(tiny_dataset.catalog, list(zip([heat, fargo, suspects], reasons,
                                                           strict=True)),
                            QUESTION, also_allowed=idx(tiny_dataset, "9"))


@pytest.fixture
def gate(tiny_dataset) -> LeadInGate:
    return LeadInGate(tiny_dataset.catalog)


def test_facts_block_is_plain_text_in_display_form(facts) -> None:
    block = facts.block()
    assert "1. Heat (1995), Action, Crime: Because you liked Reservoir Dogs" in block
    assert "2. Fargo (1996), Crime, Drama: A dark crime drama" in block
    assert "Usual Suspects" not in block  # two picks are enough for a short reply
    assert facts.allowed >= {p.index for p in facts.picks} and len(facts.allowed) == 4
    assert block.endswith(f"Question: {QUESTION}")
    assert markdown_to_plain("You gave 👍 to *Heat* \\(1995\\) &amp; more") == \
        "You gave a thumbs-up to Heat (1995) & more"


@pytest.mark.parametrize(("reply", "reason"), [
    (GOOD, ""),
    ("Reservoir Dogs fans will like Heat (1995). Do you prefer an era?", ""),
    ("For a tense night, Heat (1995) and Pulp Fiction fit. Do you prefer an era?",
     "title"),
    ("Heat (1996) is a tense pick. Do you prefer an era?", "year: 1996 is not the year"),
    ("Heat (1972) is a tense pick. Do you prefer an era?", "year: 1972"),
    ("Heat (1995) stars Robert De Niro. Do you prefer an era?", "ungrounded: Robert"),
    ("A tense night of movies awaits. Do you prefer an era?", "no pick named"),
    ("Heat (1995) will keep you on edge tonight.", "no question"),
    ("Heat (1995) is great. Want popcorn?", "no question"),
    ("Heat (1995) is great. " * 4 + "Do you prefer an era?", "too long"),
    ("Sorry, Heat (1995) is all I have. Do you prefer an era?", "refusal"),
    ("Heat (1995) is a classic comedy. Do you prefer an era?", "genre: comedy"),
    ("Heat (1995), a crime thriller, and Fargo (1996), a drama. Do you prefer an era?", ""),
])
def test_the_reply_gate_checks_titles_years_names_and_the_question(gate, facts, reply,
                                                                    reason) -> None:
    verdict = check_reply(gate, reply, facts, context="something tense")
    assert verdict.ok == (reason == "") and verdict.reason.startswith(reason)


def test_an_unfinished_word_is_not_judged_while_streaming(gate, facts) -> None:
    assert check_reply(gate, "For a tense night, Hea", facts, final=False).ok
    assert not check_reply(gate, "For a tense night, Hea", facts, final=True).ok
    assert not check_reply(gate, "For a tense night, Zorro and", facts, final=False).ok


def test_a_grounded_reply_is_used_when_the_gate_accepts_it(gate, facts, tiny_dataset) -> None:
    writer = LeadInWriter(PromptAwareLM(GOOD), gate, grounded=True)
    lead = writer.write("something tense", idx(tiny_dataset, "1", "2", "3"), FALLBACK, facts)
    assert lead.source == FULL_REPLY and lead.text == GOOD
    assert writer.reply_stats.checked == 1 and not writer.reply_stats.rejected


def test_a_rejected_reply_hands_over_to_the_lead_in(gate, facts, tiny_dataset) -> None:
    lm = PromptAwareLM("Try Pulp Fiction (1994) tonight. Do you prefer an era?")
    writer = LeadInWriter(lm, gate, grounded=True)
    lead = writer.write("something tense", idx(tiny_dataset, "1", "2", "3"), FALLBACK, facts)
    assert lm.calls == [FULL_REPLY, LEAD_IN]
    assert lead.source == LEAD_IN and lead.text == "A tense night of movies awaits."
    assert writer.reply_stats.rejected["title"] == 1


def test_a_slow_reply_leaves_no_time_for_a_lead_in(gate, facts, tiny_dataset) -> None:
    lm = PromptAwareLM(GOOD, delay_s=0.05)
    writer = LeadInWriter(lm, gate, budget_s=0.2, grounded=True)
    lead = writer.write("something tense", idx(tiny_dataset, "1", "2"), FALLBACK, facts)
    assert lm.calls == [FULL_REPLY] and lead.source == TEMPLATE and lead.reason == "slow"


def test_without_the_setting_only_the_lead_in_is_asked(gate, facts, tiny_dataset) -> None:
    lm = PromptAwareLM(GOOD)
    lead = LeadInWriter(lm, gate).write("something tense", idx(tiny_dataset, "1"), FALLBACK,
                                        facts)
    assert lm.calls == [LEAD_IN] and lead.source == LEAD_IN


def test_reply_mode_setting_is_checked() -> None:
    assert reply_mode(" Grounded ") == "grounded"
    with pytest.raises(ValueError, match="CHATREC_LM_REPLY"):
        reply_mode("full")


def test_the_policy_shows_a_grounded_reply_once_with_its_question(tiny_dataset, fake_embedder,
                                                                   tmp_path) -> None:
    from chatrec.app.recommender import ChatRecommender
    from chatrec.app.settings import Settings

    settings = Settings(data="tiny", lm="fake", embedder="hashing", k_shown=3,
                        db_url=f"sqlite:///{tmp_path / 'chat.db'}", lm_reply="grounded",
                        cache_dir=str(tmp_path / "cache"))
    lm = PromptAwareLM("")
    rec = ChatRecommender.from_settings(settings, dataset=tiny_dataset, embedder=fake_embedder,
                                        language_model=lm,
                                        item_vectors=fake_embedder.encode(
                                            tiny_dataset.catalog.texts()))
    probe = rec.respond(rec.new_user_id(), "something tense")  # the reply is empty: lead-in
    assert probe.lead_in_source == LEAD_IN and probe.question == "era"
    first, second = (display_title(r.title) for r in probe.recommendations[:2])
    years = [r.year for r in probe.recommendations[:2]]
    lm.reply = (f"For a tense night, {first} ({years[0]}) and {second} ({years[1]}) fit. "
                "Do you prefer a particular era?")
    turn = rec.respond(rec.new_user_id(), "something tense")  # a new user: the same picks
    assert turn.lead_in_source == FULL_REPLY
    assert turn.recommendations == probe.recommendations
    # The LM's reply replaces lead-in and template question; it is escaped like any text.
    assert turn.text == escape_markdown(lm.reply) and turn.text.count("?") == 1


def test_numbers_must_come_from_the_facts(gate, tiny_dataset) -> None:
    heat = idx(tiny_dataset, "1")[0]
    facts = ReplyFacts.build(tiny_dataset.catalog, [(heat, "Rated 4.1★ by 239 people")],
                             QUESTION)
    ok = "Heat (1995) is rated 4.1 by 239 people. Do you prefer an era like the 90s?"
    assert check_reply(gate, ok, facts).ok
    bad = "Heat (1995) is rated 4.8 by 239 people. Do you prefer an era?"
    assert check_reply(gate, bad, facts).reason == "ungrounded: 4.8"
    assert check_reply(gate, "Heat (1995) is rated 4.", facts, final=False).ok


class RecordingLM:
    """Records the system prompt of every call and answers nothing."""

    name = "recording"

    def __init__(self) -> None:
        self.systems: list[str] = []

    def generate(self, messages, max_new_tokens=40, stream=False, max_time_s=None):
        self.systems.append(messages[0]["content"])
        return iter(()) if stream else ""


def test_prompts_speak_of_the_catalogs_own_items(books_dataset) -> None:
    lm = RecordingLM()
    gate = LeadInGate(books_dataset.catalog)
    facts = ReplyFacts.build(books_dataset.catalog, [(0, "")], "Any author you love?")
    LeadInWriter(lm, gate, grounded=True).write("something gripping", [0], FALLBACK, facts=facts)
    assert len(lm.systems) == 2  # the grounded reply, then the lead-in
    for system in lm.systems:
        assert "book" in system and "movie" not in system and "{noun}" not in system
