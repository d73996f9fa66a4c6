"""Explanations name only evidence that exists, in contribution order, safely escaped."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from chatrec.candidates.base import Query
from chatrec.domain.catalog import build_catalog
from chatrec.explain.reasons import explain, reasons, short_reason
from chatrec.explain.why_not import explain_why_not
from chatrec.explain.words import escape_markdown
from chatrec.profile.events import item_event
from chatrec.profile.replay import replay

CRIME_90S = Query(genres_in=frozenset({"Crime"}), genres_out=frozenset({"Horror"}), year_min=1990,
                  year_max=1999)


@pytest.fixture
def catalog(tiny_dataset):
    return tiny_dataset.catalog


def co_raters(dataset, a: int, b: int) -> int:
    """Users who rated both items 4 or more, straight from the training matrix."""
    high = (dataset.rating_matrix() >= 4).toarray()
    return int(np.sum(high[:, a] & high[:, b]))


def test_co_rater_count_is_the_training_count(tiny_dataset, catalog):
    fargo, dogs = catalog.index_of("2"), catalog.index_of("9")
    count = co_raters(tiny_dataset, fargo, dogs)
    profile = replay([item_event("like", "2", catalog, source="stated")])
    evidence = {"because": np.array([fargo]), "co_raters": {np.int64(fargo): count}}
    text = explain(catalog, dogs, {"itemknn": evidence}, {"itemknn": 1.0}, profile)
    assert count == 2
    assert text == ("Because you liked *Fargo*: 2 people who rated it highly "
                    "also rated this highly.")


def test_only_liked_items_in_the_profile_are_named(catalog):
    heat, alien, pulp = catalog.index_of("1"), catalog.index_of("5"), catalog.index_of("10")
    profile = replay([item_event("like", "1", catalog)])
    text = explain(catalog, pulp, {"cf": {"because": [alien, heat, 999]}}, {"cf": 1.0}, profile)
    assert text == "You gave 👍 to *Heat*."
    assert "Alien" not in text
    no_likes = explain(catalog, pulp, {"cf": {"because": [alien]}}, {"cf": 1.0}, replay([]))
    assert "Alien" not in no_likes and "no specific reason" in no_likes


def test_reasons_follow_contribution_order(catalog):
    heat, dogs = catalog.index_of("1"), catalog.index_of("9")
    profile = replay([item_event("like", "1", catalog)])
    evidence = {"semantic": {"wish": "dark and tense", "similarity": 0.612},
                "itemknn": {"because": [heat], "co_raters": {heat: 2}},
                "popularity": {"n_ratings": 452, "mean_rating": 4.06}}
    cf_first = explain(catalog, dogs, evidence, {"itemknn": 0.7, "semantic": 0.2,
                                                  "popularity": 0.1}, profile)
    wish_first = explain(catalog, dogs, evidence, {"itemknn": 0.2, "semantic": 0.7,
                                                    "popularity": 0.1}, profile)
    wish = "Close to your wish 'dark and tense' (similarity 0.61)."
    because = "Because you gave 👍 to *Heat*: 2 people who rated it highly also rated this highly."
    popular = "Popular: rated by 452 people, average 4.1★."
    assert cf_first == f"{because} {wish} {popular}"
    assert wish_first == f"{wish} {because} {popular}"
    assert short_reason(catalog, dogs, evidence, {"semantic": 1.0}, profile) == \
        "Close to 'dark and tense'"


def test_constraints_name_only_what_the_item_satisfies(catalog):
    fargo = catalog.index_of("2")
    text = explain(catalog, fargo, {"pop": {"n_ratings": 3}}, {"pop": 1.0},
                   query=replace(CRIME_90S, genres_in=frozenset({"Crime", "Animation"})))
    assert text == ("Popular: rated by 3 people. "
                    "Matches what you asked for: Crime, 1990s, not Horror.")
    godfather = catalog.index_of("8")  # 1972: the era is not claimed
    found = reasons(catalog, godfather, {}, {}, query=CRIME_90S)
    assert [r.text for r in found] == ["Matches what you asked for: Crime, not Horror."]


def test_shared_people_and_a_fallback_when_nothing_is_known(catalog):
    pulp, dogs = catalog.index_of("10"), catalog.index_of("9")
    profile = replay([item_event("like", "9", catalog, source="stated")])
    text = explain(catalog, pulp, {"content": {"shared": {"director": [dogs]}}},
                   {"content": 1.0}, profile)
    assert text == "Shares a director with *Reservoir Dogs*."
    assert explain(catalog, pulp, {}, {}) == \
        "*Pulp Fiction* scored well overall; no specific reason was recorded."


def test_hostile_titles_and_wishes_render_literally():
    hostile = build_catalog([{"item_id": "1", "title": "M*A*S*H", "year": 1970, "genres": []},
                             {"item_id": "2", "title": "<b>[x](y)</b>", "year": 0, "genres": []}])
    profile = replay([item_event("like", "2", hostile)])
    text = explain(hostile, 0, {"s": {"wish": "<script>alert('_#')</script>", "similarity": 0.5},
                                "k": {"because": [1]}}, {"s": 1.0, "k": 0.5}, profile)
    assert "<script>" not in text and "&lt;script&gt;alert\\('\\_\\#'\\)&lt;/script&gt;" in text
    assert "*&lt;b&gt;\\[x\\]\\(y\\)&lt;/b&gt;*" in text
    why_not = explain_why_not(hostile, 0, None, 3, False, False)
    assert why_not == "*M\\*A\\*S\\*H* ranked #3 for you."


def test_user_neighbours_and_profile_similarity_are_told_apart(catalog):
    item = catalog.index_of("10")
    user_knn = explain(catalog, item, {"userknn": {"neighbors": 3, "similarity": 0.456}},
                       {"userknn": 1.0})
    assert user_knn == "3 people with tastes like yours rated this (similarity 0.46)."
    semantic = explain(catalog, item, {"semantic": {"similarity": 0.3}}, {"semantic": 1.0})
    assert semantic == "Close to your taste so far (similarity 0.30)."


@pytest.mark.parametrize(("raw", "escaped"), [
    ("M*A*S*H", "M\\*A\\*S\\*H"), ("a & b", "a &amp; b"), ("`x`", "\\`x\\`"),
    ("\\", "\\\\"), ("#1 _hit_", "\\#1 \\_hit\\_"), ("plain", "plain")])
def test_escape_markdown(raw, escaped):
    assert escape_markdown(raw) == escaped


def test_why_not(catalog):
    scream, godfather, heat = (catalog.index_of(i) for i in ("7", "8", "1"))
    no_horror, animation = Query(genres_out=frozenset({"Horror"})), Query(
        genres_in=frozenset({"Animation"}))
    assert explain_why_not(catalog, scream, no_horror, None, False, False) == \
        "*Scream* is a Horror film, and you said no horror."
    assert explain_why_not(catalog, godfather, CRIME_90S, 12, False, False) == \
        "*The Godfather* is from 1972, outside the years you asked for (1990s)."
    assert explain_why_not(catalog, heat, None, 37, False, False) == "*Heat* ranked #37 for you."
    assert explain_why_not(catalog, heat, None, None, True, True) == \
        "You gave *Heat* a 👎. *Heat* was already shown to you."
    assert explain_why_not(catalog, heat, animation, None, False, False) == \
        "*Heat* is not an Animation film, which you asked for."
    assert "not among the candidates" in explain_why_not(catalog, heat, Query(), None, False, False)
