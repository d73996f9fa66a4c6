"""The simulated chat user and the chat evaluation, on the tiny catalog with fake recommenders."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.sparse as sp

from chatrec.app.settings import Settings
from chatrec.dialogue.acts import Recommendation, Turn
from chatrec.domain.catalog import build_catalog
from chatrec_eval.bootstrap import bootstrap_ci
from chatrec_eval.chat_eval import (
    Cohort,
    converse,
    format_chat_report,
    run_chat_eval,
    summarise,
    train_split,
)
from chatrec_eval.simulator import (
    MAX_DISLIKES,
    TEMPLATES,
    SimulatedUser,
    TitleLeakError,
    UserSpec,
    assert_no_leak,
    co_rating_cosine,
    leaks,
    sample_users,
    title_keys,
)


class FakeRecommender:
    """Shows a fixed list per turn (by call count) and records every call."""

    def __init__(self, lists: list[list[str]]) -> None:
        self.lists, self.turn = lists, 0
        self.messages: list[str] = []
        self.thumbs: list[tuple[str, bool]] = []
        self.imported: list[tuple[str, float]] = []

    def new_user_id(self) -> str:
        return "sim"

    def respond(self, user_id: str, message: str) -> Turn:
        shown = self.lists[min(self.turn, len(self.lists) - 1)]
        self.turn += 1
        self.messages.append(message)
        recs = tuple(Recommendation(i, i, 0, (), 0.0, "") for i in shown)
        return Turn("here you go", recommendations=recs)

    def feedback(self, user_id: str, item_id: str, liked: bool = True) -> str:
        self.thumbs.append((item_id, liked))
        return "ok"

    def import_history(self, user_id: str, ratings: list[tuple[str, float]]) -> None:
        self.imported = list(ratings)

    def forget(self, user_id: str) -> None:
        pass


def make_user(tiny_dataset, target: str = "3", seed: int = 0) -> SimulatedUser:
    """A user hunting ``target`` who rated Heat 5, Fargo 4, Toy Story 2 and Reservoir Dogs 5."""
    catalog = tiny_dataset.catalog
    history = tuple((catalog.index_of(i), r) for i, r in (("1", 5.0), ("2", 4.0), ("4", 2.0),
                                                           ("9", 5.0)))
    likes = tuple(catalog.index_of(i) for i in ("9", "1", "2"))
    spec = UserSpec("u1", catalog.index_of(target), history, likes)
    return SimulatedUser(spec, catalog, np.random.default_rng(seed))


def test_every_act_has_at_least_ten_phrasings():
    assert set(TEMPLATES) == {"genre", "decade", "title", "more"}
    for act, phrasings in TEMPLATES.items():
        assert len(set(phrasings)) >= 10, act


def test_leak_check_fires_on_a_crafted_message():
    keys = title_keys("Usual Suspects, The")
    with pytest.raises(TitleLeakError):
        assert_no_leak("honestly I loved The Usual Suspects!", keys)
    assert assert_no_leak("I loved Heat", keys) == "I loved Heat"
    assert not leaks("more like Aliens", title_keys("Alien"))  # whole words only
    assert leaks("more like Nikita", title_keys("Nikita (La Femme Nikita)"))


def test_a_liked_title_containing_the_target_is_never_said():
    catalog = build_catalog([
        {"item_id": "1", "title": "Alien", "year": 1979, "genres": ["Horror"]},
        {"item_id": "2", "title": "Alien Resurrection", "year": 1997, "genres": ["Horror"]},
        {"item_id": "3", "title": "Heat", "year": 1995, "genres": ["Action"]},
    ])
    spec = UserSpec("u", 0, ((1, 5.0), (2, 5.0)), (1, 2))
    for seed in range(20):
        user = SimulatedUser(spec, catalog, np.random.default_rng(seed))
        messages = user.messages(5)
        assert not any(leaks(m, title_keys("Alien")) for m in messages)
        assert any("Heat" in m for m in messages)


def test_plan_order_genre_decade_close_like_then_alternating(tiny_dataset):
    user = make_user(tiny_dataset, target="3")  # Crime|Thriller, 1995
    acts = user.plan(6)
    assert [a for a, _ in acts] == ["genre", "decade", "title", "genre", "title", "title"]
    assert acts[1][1] == 1995
    assert acts[2][1] == tiny_dataset.catalog.index_of("9")  # the closest like goes first
    assert {acts[0][1], acts[3][1]} == {"Crime", "Thriller"}
    assert [a for a, _ in make_user(tiny_dataset).plan(8)][-1] == "more"


def test_reaction_thumbs_down_at_most_three_non_targets_and_up_only_training_likes(tiny_dataset):
    user = make_user(tiny_dataset, target="3")
    ups, downs = user.react(["4", "1", "3", "5", "6", "7", "8", "9"])
    assert ups == ["1", "9"]  # Toy Story was rated 2: not a like
    assert downs == ["4", "5", "6"]
    assert "3" not in downs and len(downs) == MAX_DISLIKES


def test_success_at_turn_three_gives_cumulative_sr_and_ndcg(tiny_dataset):
    user = make_user(tiny_dataset, target="3")
    lists = [["4", "5", "1"], ["6", "7"], ["8", "12", "3"], ["3"], ["3"]]
    rec = FakeRecommender(lists)
    outcome = converse(rec, user, user.messages(5), warm=False, feedback=True)
    assert (outcome.found_turn, outcome.rank) == (3, 3)
    assert len(rec.messages) == 3  # the conversation stops at success
    result = summarise([outcome], turns=5, seed=0)
    assert result["sr_at_turn"] == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert result["avg_turns"] == 3.0
    gain = 1 / math.log2(3 + 1)
    assert result["ndcg_at_turn"] == pytest.approx([0, 0, gain, gain, gain])
    assert result["ci95"]["sr_at_turn"][2] == [1.0, 1.0]
    downs = [i for i, liked in rec.thumbs if not liked]
    assert "3" not in downs and [i for i, liked in rec.thumbs if liked] == ["1"]
    assert len(downs) == 2 + 2  # turn 1: Toy Story, Alien; turn 2: Aliens, Scream


def test_no_feedback_sends_no_thumbs_and_warm_imports_training_ratings(tiny_dataset):
    user = make_user(tiny_dataset, target="3")
    rec = FakeRecommender([["4", "5", "6"]])
    outcome = converse(rec, user, user.messages(4), warm=True, feedback=False)
    assert outcome.found_turn == 0 and rec.thumbs == []
    assert rec.imported == [("1", 5.0), ("2", 4.0), ("4", 2.0), ("9", 5.0)]
    assert summarise([outcome], 4, 0)["avg_turns"] is None


def test_users_targets_and_closeness_come_from_the_split(tiny_dataset):
    train, parts = train_split(tiny_dataset)
    assert len(train.interactions) == len(parts[0])
    specs = sample_users(tiny_dataset.catalog, parts[0], parts[2], n=5, seed=1)
    assert specs == sample_users(tiny_dataset.catalog, parts[0], parts[2], n=5, seed=1)
    test_pairs = set(zip(parts[2]["user"], parts[2]["item"], parts[2]["rating"], strict=True))
    for spec in specs:
        assert any((spec.user, spec.target, r) in test_pairs for r in (4.0, 5.0))
        assert spec.target not in {i for i, _ in spec.history}
        assert set(spec.close_likes) == spec.likes


def test_validation_users_come_from_the_validation_part(tiny_dataset):
    _, parts = train_split(tiny_dataset)
    catalog = tiny_dataset.catalog
    valid = Cohort.sample(catalog, parts, users=5, turns=2, seed=1, split="valid")
    test = Cohort.sample(catalog, parts, users=5, turns=2, seed=1)
    for cohort, part in ((valid, parts[1]), (test, parts[2])):
        pairs = set(zip(part["user"], part["item"], strict=True))
        assert cohort.specs and all((s.user, s.target) in pairs for s in cohort.specs)
    with pytest.raises(ValueError, match="unknown split"):
        Cohort.sample(catalog, parts, users=5, turns=2, seed=1, split="train")


def test_co_rating_cosine_counts_shared_users():
    train = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [0, 0, 1]], dtype=np.float32))
    assert co_rating_cosine(train, 0) == pytest.approx([1.0, 1.0, 0.5])


def test_bootstrap_is_seeded_and_brackets_the_mean():
    values = np.random.default_rng(0).random((50, 2))
    intervals = bootstrap_ci(values, resamples=200, seed=3)
    assert intervals == bootstrap_ci(values, resamples=200, seed=3)
    for (lo, hi), mean in zip(intervals, values.mean(axis=0), strict=True):
        assert lo < mean < hi
    assert bootstrap_ci(np.ones(10)) == [[1.0, 1.0]]


def test_real_recommender_end_to_end_is_deterministic(tiny_dataset, fake_embedder, tmp_path):
    settings = Settings(data="tiny", lm="none", embedder="hashing", cache_dir=str(tmp_path))
    runs = [run_chat_eval(settings, users=3, turns=3, seed=5, dataset=tiny_dataset,
                          embedder=fake_embedder, progress=False,
                          json_path=tmp_path / f"chat{n}.json") for n in range(2)]
    for result in runs:
        result["protocol"].pop("seconds"), result["protocol"].pop("total_s")
    assert runs[0] == runs[1]
    cold = runs[0]["modes"]["cold"]["runs"]
    assert set(cold) == {"full", "no_rerank", "no_cf", "no_feedback", "pop_filter"}
    assert all(len(r["sr_at_turn"]) == 3 and len(r["ci95"]["ndcg_at_turn"]) == 3
               for r in cold.values())
    assert "full vs pop_filter" in format_chat_report(runs[0])
    lo, hi = cold["full"]["ci95"]["sr_at_turn"][0]
    assert f"[{lo:.3f}, {hi:.3f}]" in format_chat_report(runs[0])  # every turn's interval
    assert json.loads((tmp_path / "chat0.json").read_text())["protocol"]["users"] == 3
