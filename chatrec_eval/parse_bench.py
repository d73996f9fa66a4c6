"""How understanding a message grows with the catalog: parse time against the number of titles.

Title spotting looks every span of the message up in the catalog's title index (exact keys,
then q-gram fuzzy candidates), so its cost is the part that can grow with the catalog. This
bench builds the real `Parser` (vocabulary, title matcher, intent classifier with the chosen
embedder) for ml-100k and for synthetic catalogs of more titles, and times `Parser.parse` on the
turn bench's messages. ``chatrec bench parse``.
"""

from __future__ import annotations

import time

from chatrec.domain.catalog import Dataset
from chatrec.domain.loaders import load_dataset
from chatrec.models.embedder import Embedder
from chatrec.understand.parse import ParseContext, Parser
from chatrec_eval.synthetic import synthetic_dataset
from chatrec_eval.turn_bench import bench_messages, percentiles

WARMUP = 20
RATINGS_PER_ITEM = 5  # the parser never reads ratings; a few keep the synthetic build quick


def parser_for(dataset: Dataset, embedder: Embedder) -> tuple[Parser, float]:
    """The app's parser for ``dataset``, and the seconds it took to build."""
    start = time.perf_counter()
    parser = Parser.from_dataset(dataset, embedder)
    return parser, time.perf_counter() - start


def time_parses(parser: Parser, messages: list[str]) -> list[float]:
    """Milliseconds per `Parser.parse` call, after a warm-up."""
    context = ParseContext(shown_count=5)
    for message in messages[:WARMUP]:
        parser.parse(message, context)
    times = []
    for message in messages:
        start = time.perf_counter()
        parser.parse(message, context)
        times.append((time.perf_counter() - start) * 1000)
    return times


def run_parse_bench(embedder: Embedder, sizes: tuple[int, ...] = (10_000, 60_000),
                    n_messages: int = 200, data: str = "ml-100k") -> dict:
    """One row for ``data`` and one per synthetic catalog size."""
    messages = bench_messages(n_messages)
    catalogs = [(data, load_dataset(data))]
    catalogs += [(f"synthetic-{n}", synthetic_dataset(n, n * RATINGS_PER_ITEM)) for n in sizes]
    rows = []
    for name, dataset in catalogs:
        parser, build_s = parser_for(dataset, embedder)
        rows.append({"catalog": name, "titles": len(dataset.catalog.titles), "build_s": build_s,
                     "parse": percentiles(time_parses(parser, messages), suffix="_ms")})
    return {"messages": n_messages, "rows": rows}


def format_parse_bench(result: dict) -> str:
    """One markdown row per catalog."""
    lines = ["| catalog | titles | build s | parse p50 ms | parse p95 ms | max ms |",
             "|---|---|---|---|---|---|"]
    for row in result["rows"]:
        p = row["parse"]
        lines.append(f"| {row['catalog']} | {row['titles']} | {row['build_s']:.1f} | "
                     f"{p['p50_ms']:.2f} | {p['p95_ms']:.2f} | {p['max_ms']:.1f} |")
    return "\n".join(lines)
