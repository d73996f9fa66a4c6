"""The LM gate and the lead-in writer: every bad output falls back to the template."""

from __future__ import annotations

import time

import pytest

from chatrec.models.lm import HFCausalLM
from chatrec.reply.gate import LeadInGate
from chatrec.reply.lead_in import LeadInWriter, clean_lm_text
from chatrec.reply.templates import render

FALLBACK = "Here are some picks for you."


class FakeLM:
    """Streams a fixed answer word by word, optionally slowly."""

    name = "fake"

    def __init__(self, answer: str, delay_s: float = 0.0) -> None:
        self.answer, self.delay_s = answer, delay_s
        self.closed = False

    def generate(self, messages, max_new_tokens=40, stream=False, max_time_s=None):
        if not stream:
            return self.answer
        return self._pieces()

    def _pieces(self):
        try:
            for word in self.answer.split(" "):
                time.sleep(self.delay_s)
                yield word + " "
        finally:
            self.closed = True


@pytest.fixture
def gate(tiny_dataset) -> LeadInGate:
    return LeadInGate(tiny_dataset.catalog)


def shown_ids(tiny_dataset, *ids: str) -> list[int]:
    return [tiny_dataset.catalog.index_of(i) for i in ids]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("You will love Pulp Fiction tonight.", "title"),
        ("The 1972 classic is a must for a crime night.", "year"),
        ("As an AI, I cannot watch movies.", "refusal"),
        ("Sorry, sorry, no, not again. You're welcome.", "refusal"),
        ("Visit http://example.com for movie picks.", "off topic"),
        ("My cat sleeps on the sofa all afternoon.", "off topic"),
        ("GREAT PICKS for tonight!", "off topic"),
        ("Movies " * 60, "too long"),
    ],
)
def test_bad_outputs_fall_back_to_the_template(gate, tiny_dataset, answer, reason) -> None:
    writer = LeadInWriter(FakeLM(answer), gate, budget_s=2.0)
    lead = writer.write("something tense from the 90s", shown_ids(tiny_dataset, "1", "2"),
                        FALLBACK)
    assert lead.text == FALLBACK and lead.source == "template"
    assert lead.reason.startswith(reason)
    assert gate.stats.rejected[reason] == 1 and gate.stats.rejection_rate == 1.0


def test_titles_and_years_of_shown_items_are_allowed(gate, tiny_dataset) -> None:
    writer = LeadInWriter(FakeLM("Fargo from 1996 is a great pick for tonight."), gate)
    lead = writer.write("something dark", shown_ids(tiny_dataset, "2"), FALLBACK)
    assert lead.source == "lm" and lead.text.startswith("Fargo from 1996")


def test_one_word_title_as_ordinary_word_is_allowed(gate, tiny_dataset) -> None:
    writer = LeadInWriter(FakeLM("These picks will bring the heat tonight."), gate)
    lead = writer.write("something tense", shown_ids(tiny_dataset, "2"), FALLBACK)
    assert lead.source == "lm"
    bad = LeadInWriter(FakeLM("Try Heat for a tense night."), gate)
    assert bad.write("something tense", shown_ids(tiny_dataset, "2"), FALLBACK).source == "template"


def test_slow_answer_is_cut_off_and_generation_stopped(gate, tiny_dataset) -> None:
    lm = FakeLM("A tense movie night is coming right up for you.", delay_s=0.05)
    writer = LeadInWriter(lm, gate, budget_s=0.12)
    start = time.perf_counter()
    lead = writer.write("something tense", shown_ids(tiny_dataset, "1"), FALLBACK)
    assert lead.text == FALLBACK and lead.reason == "slow"
    assert time.perf_counter() - start < 0.5 and lm.closed


def test_stream_yields_growing_text_then_the_final_verdict(gate, tiny_dataset) -> None:
    writer = LeadInWriter(FakeLM("A tense night of movies awaits."), gate)
    steps = list(writer.stream("tense please", shown_ids(tiny_dataset, "1"), FALLBACK))
    texts = [s.text for s in steps]
    assert len(steps) > 2 and texts[-1] == "A tense night of movies awaits."
    assert all(texts[i + 1].startswith(texts[i].rstrip()) for i in range(len(texts) - 2))


def test_no_lm_means_template(gate) -> None:
    lead = LeadInWriter(None, gate).write("hi", [], FALLBACK)
    assert lead.text == FALLBACK and lead.source == "template"


def test_tiny_gpt2_output_is_gated_not_trusted(gate, tiny_gpt2, tiny_dataset) -> None:
    model, tokenizer = tiny_gpt2
    writer = LeadInWriter(HFCausalLM(model, tokenizer, "tiny"), gate, budget_s=5.0)
    lead = writer.write("something tense", shown_ids(tiny_dataset, "1"), FALLBACK)
    # A random model's words rarely pass; whatever comes back must itself pass the gate.
    assert lead.source == "template" or gate.check(lead.text, shown_ids(tiny_dataset, "1"),
                                                   context="something tense").ok


def test_clean_lm_text_keeps_one_sentence() -> None:
    assert clean_lm_text("Assistant: Great idea! Another sentence.") == "Great idea!"
    assert clean_lm_text(" Sure thing\nUser: next") == "Sure thing"


def test_templates_render_deterministically() -> None:
    first = render("lead_in_with_filters", seed="u1:3", filters="Crime, 1990s")
    assert first == render("lead_in_with_filters", seed="u1:3", filters="Crime, 1990s")
    assert "Crime, 1990s" in first


def test_a_sentence_cut_off_mid_way_is_not_shown(gate, tiny_dataset) -> None:
    writer = LeadInWriter(FakeLM("A tense night of movies is"), gate)
    lead = writer.write("tense please", shown_ids(tiny_dataset, "1"), FALLBACK)
    assert lead.text == FALLBACK and lead.reason == "incomplete"


def test_background_lm_is_used_once_loaded_and_templates_fill_in_before(gate, tiny_dataset):
    import threading

    from chatrec.models.lm import BackgroundLM

    release = threading.Event()

    def load():
        release.wait(5)
        return FakeLM("A tense night of movies awaits.")

    lm = BackgroundLM("fake", load)
    writer = LeadInWriter(lm, gate)
    early = writer.write("tense please", shown_ids(tiny_dataset, "1"), FALLBACK)
    assert early.text == FALLBACK and early.reason == "lm unavailable"
    release.set()
    assert lm.wait(5)
    late = writer.write("tense please", shown_ids(tiny_dataset, "1"), FALLBACK)
    assert late.source == "lm" and late.text == "A tense night of movies awaits."


def test_an_lm_that_fails_to_load_never_breaks_a_reply(gate, tiny_dataset, caplog):
    from chatrec.models.lm import BackgroundLM

    def load():
        raise RuntimeError("weights missing")

    lm = BackgroundLM("broken", load)
    assert not lm.wait(5) and isinstance(lm.error, RuntimeError)
    lead = LeadInWriter(lm, gate).write("hi", shown_ids(tiny_dataset, "1"), FALLBACK)
    assert lead.text == FALLBACK and lead.source == "template"


def test_an_lm_that_raises_mid_reply_falls_back(gate, tiny_dataset):
    class Exploding(FakeLM):
        def _pieces(self):
            yield "A tense "
            raise RuntimeError("CUDA? on a laptop?")

    lead = LeadInWriter(Exploding("x"), gate).write("tense", shown_ids(tiny_dataset, "1"),
                                                    FALLBACK)
    assert lead.text == FALLBACK and lead.reason == "lm error"
