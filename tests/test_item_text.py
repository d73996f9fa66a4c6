"""Every catalog text is used: user tags, the tag genome, descriptions, and wishes matching them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chatrec.candidates import training_data
from chatrec.candidates.base import Query
from chatrec.candidates.keywords import KeywordSource, word_keys
from chatrec.domain.loaders import load_dataset
from chatrec.domain.tag_files import genome_tags
from chatrec.explain.reasons import explain
from chatrec.rank.engine import EngineConfig, build_engine


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def movielens_folder(tmp_path: Path, genome: bool) -> Path:
    folder = tmp_path / "ml"
    movies = ["movieId,title,genres", "1,Heat (1995),Action|Crime", "2,Fargo (1996),Crime",
              "3,Sixth Sense (1999),Drama|Thriller", "4,Toy Story (1995),Animation",
              "5,Nosferatu (1922),Horror"]
    write(folder, "movies.csv", "\n".join(movies) + "\n")
    ratings = ["userId,movieId,rating,timestamp"]
    ratings += [f"{u},{m},4,{u * 10 + m}" for u in range(1, 7) for m in range(1, 6)]
    write(folder, "ratings.csv", "\n".join(ratings) + "\n")
    write(folder, "tags.csv", "userId,movieId,tag,timestamp\n1,1,heist,1\n2,4,Pixar,2\n")
    if genome:
        write(folder, "genome-tags.csv", "tagId,tag\n1,twist ending\n2,vampire\n3,heist\n"
              "4,dark humor\n")
        scores = ["movieId,tagId,relevance", "3,1,0.97", "3,2,0.05", "5,2,0.91", "5,1,0.30",
                  "1,3,0.88", "1,1,0.20", "2,4,0.77", "2,1,0.55", "2,3,0.51"]
        write(folder, "genome-scores.csv", "\n".join(scores) + "\n")
    return folder


def test_genome_tags_are_read_most_relevant_first(tmp_path: Path) -> None:
    folder = movielens_folder(tmp_path, genome=True)
    assert genome_tags(folder, top=2) == {"3": ["twist ending"], "5": ["vampire"],
                                          "1": ["heist"], "2": ["dark humor", "twist ending"]}
    catalog = load_dataset(str(folder)).catalog
    assert catalog.tags[catalog.index_of("1")] == ("heist",)  # user tag, genome duplicate dropped
    assert "twist ending" in catalog.tags[catalog.index_of("3")]
    assert "vampire" in catalog.text(catalog.index_of("5"))


def test_genome_is_ignored_when_absent(tmp_path: Path) -> None:
    folder = movielens_folder(tmp_path, genome=False)
    assert genome_tags(folder) == {}
    catalog = load_dataset(str(folder)).catalog
    assert catalog.tags[catalog.index_of("3")] == () and catalog.tags[catalog.index_of("4")] == (
        "pixar",)


def test_word_keys_fold_plurals() -> None:
    assert word_keys("Vampires, with a twist!") == ["vampire", "with", "twist"]


def test_a_tag_only_wish_finds_the_tagged_item(tmp_path: Path, fake_embedder) -> None:
    dataset = load_dataset(str(movielens_folder(tmp_path, genome=True)))
    catalog = dataset.catalog
    vectors = fake_embedder.encode(catalog.texts())
    engine = build_engine(training_data(dataset, item_vectors=vectors),
                          EngineConfig(params={"neural": {"epochs": 2, "dim": 4}}))
    for wish, item in (("something with vampires", "5"), ("a film with a twist", "3"),
                       ("a pixar one", "4")):
        top = engine.recommend(Query(text=wish), k=1)[0]
        assert catalog.item_ids[top.item_index] == item, wish
        cited = explain(catalog, top.item_index, top.evidence, top.contributions)
        assert "Tagged" in cited, cited


def test_keywords_abstain_without_a_matching_wish(tiny_dataset) -> None:
    source = KeywordSource().fit(training_data(tiny_dataset))
    assert np.isneginf(source.score(Query(text="zzz"))).all()
    assert np.isneginf(source.score(Query())).all()
    scores = source.score(Query(text="a heist movie"))
    heists = {tiny_dataset.catalog.index_of(i) for i in ("1", "9")}
    assert set(np.argsort(-scores)[:2]) == heists and (scores > 0).sum() == 2


def test_description_words_match(tmp_path: Path, fake_embedder) -> None:
    folder = tmp_path / "byo"
    write(folder, "items.csv", "item_id,title,genres,description\n"
          "b1,Dune,Sci-Fi,A desert planet and giant sandworms.\nb2,Emma,Romance,Matchmaking.\n"
          "b3,Neuromancer,Sci-Fi,Hackers in cyberspace.\n")
    write(folder, "interactions.csv", "user_id,item_id\nana,b1\nben,b2\nana,b3\n")
    dataset = load_dataset(str(folder))
    source = KeywordSource(max_share=0.5).fit(training_data(dataset))
    scores = source.score(Query(text="anything with sandworms?"))
    assert int(np.argmax(scores)) == dataset.catalog.index_of("b1")


def test_everyday_words_match_no_tag_where_tags_are_sparse(tmp_path: Path) -> None:
    # Tags on few items give every word a tiny document frequency, so only the language's own
    # word frequencies can tell "good" and "the" (tags "good soundtrack", "the end") from "twist".
    folder = tmp_path / "byo"
    write(folder, "items.csv", "item_id,title,genres,tags\n"
          "b1,Dune,Sci-Fi,good soundtrack\nb2,Emma,Romance,the end\n"
          "b3,Neuromancer,Sci-Fi,twist\n" + "".join(f"x{i},Item {i},Drama,\n" for i in range(30)))
    write(folder, "interactions.csv", "user_id,item_id\nana,b1\nben,b2\nana,b3\n")
    source = KeywordSource().fit(training_data(load_dataset(str(folder))))
    assert np.isneginf(source.score(Query(text="something good for the weekend"))).all()
    scores = source.score(Query(text="a good one with a twist"))
    assert int(np.argmax(scores)) == 2 and (scores > 0).sum() == 1
