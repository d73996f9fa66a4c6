"""Catalog basics: title normalisation, display form, index mapping, derived matrices."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec.domain.catalog import build_catalog, display_title, normalize_title, split_title_year


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Usual Suspects, The (1995)", "the usual suspects"),
        ("Usual Suspects, The", "Usual Suspects"),
        ("GODFATHER, THE", "the godfather"),
        ("Cérémonie, La", "la ceremonie"),
        ("Truth About Cats & Dogs, The", "the truth about cats and dogs"),
    ],
)
def test_normalize_title_matches_variants(left: str, right: str) -> None:
    assert normalize_title(left) == normalize_title(right)


def test_normalize_title_keeps_distinct_titles_apart() -> None:
    assert normalize_title("Alien") != normalize_title("Aliens")


def test_display_title_moves_trailing_article_and_keeps_alternative() -> None:
    assert display_title("Usual Suspects, The") == "The Usual Suspects"
    assert display_title("Enfer, L'") == "L'Enfer"
    assert display_title("Nikita (La Femme Nikita)") == "Nikita (La Femme Nikita)"
    assert display_title("Heat") == "Heat"


def test_split_title_year() -> None:
    assert split_title_year("Heat (1995)") == ("Heat", 1995)
    assert split_title_year("Seven (Se7en)") == ("Seven (Se7en)", None)


def test_catalog_index_label_and_text(tiny_dataset) -> None:
    catalog = tiny_dataset.catalog
    i = catalog.index_of("3")
    assert catalog.index_of(3) == i  # ints are accepted as ids
    assert catalog.label(i) == "Usual Suspects, The (1995)"
    assert "Crime" in catalog.text(i) and "twist" in catalog.text(i)
    with pytest.raises(KeyError, match="999"):
        catalog.index_of("999")


def test_genre_matrix_matches_genres(tiny_dataset) -> None:
    catalog = tiny_dataset.catalog
    matrix = catalog.genre_matrix.toarray()
    horror = catalog.genre_names.index("Horror")
    assert set(np.flatnonzero(matrix[:, horror])) == {
        i for i, g in enumerate(catalog.genres) if "Horror" in g
    }


def test_duplicate_ids_are_rejected() -> None:
    record = {"item_id": "1", "title": "A", "year": 2000, "genres": ["Drama"]}
    with pytest.raises(ValueError, match="duplicate"):
        build_catalog([record, record])


def test_rating_matrix_shape_and_values(tiny_dataset) -> None:
    matrix = tiny_dataset.rating_matrix()
    assert matrix.shape == (8, 12)
    assert matrix.nnz == len(tiny_dataset.interactions)
    u1 = tiny_dataset.user_ids.index("u1")
    assert matrix[u1, tiny_dataset.catalog.index_of("1")] == 5
