"""The shape of the code: no import cycle, stages import only the stages below them, nothing
outside app/ imports app/, and the product never imports the benchmarks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "chatrec"
# Which stages each stage may import (besides itself). Lower layers never import higher ones.
ALLOWED = {
    "models": set(),
    "domain": set(),
    "understand": {"domain", "models"},
    "profile": {"domain"},
    "candidates": {"domain", "models"},
    "rank": {"candidates", "domain", "models"},
    "explain": {"rank", "candidates", "profile", "domain"},
    "reply": {"explain", "domain", "models"},
    "dialogue": {"understand", "rank", "explain", "reply", "profile", "candidates", "domain",
                 "models"},
    "app": {"dialogue", "understand", "rank", "explain", "reply", "profile", "candidates",
            "domain", "models"},
}
FACADE = {"chatrec", "chatrec.__main__"}  # the public entry points may reach the app lazily


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether an import sits under ``if TYPE_CHECKING:`` (no runtime dependency)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path) -> set[str]:
    """Every chatrec/chatrec_eval module a file imports at run time, lazy imports included."""
    tree = ast.parse(path.read_text())
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in {"chatrec", "chatrec_eval"}}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules or m.startswith("chatrec_eval")}
            - {name} for name, path in modules.items()}


def stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def test_no_import_cycle(graph) -> None:
    visiting, done, stack = set(), set(), []

    def visit(node: str) -> None:
        visiting.add(node)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in visiting:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in done:
                visit(nxt)
        stack.pop()
        visiting.discard(node)
        done.add(node)

    for module in sorted(graph):
        if module not in done:
            visit(module)


def test_stages_import_only_the_stages_below_them(graph) -> None:
    wrong = [f"{m} imports {dep}" for m, deps in graph.items() for dep in deps
             if stage(m) and stage(dep) and stage(dep) != stage(m)
             and stage(dep) not in ALLOWED[stage(m)]]
    assert not wrong, "\n".join(sorted(wrong))


def test_nothing_outside_app_imports_app_and_the_product_never_imports_eval(graph) -> None:
    into_app = [f"{m} imports {d}" for m, deps in graph.items() for d in deps
                if stage(d) == "app" and stage(m) != "app" and m not in FACADE]
    into_eval = [f"{m} imports {d}" for m, deps in graph.items() for d in deps
                 if d.startswith("chatrec_eval")]
    assert not into_app and not into_eval, "\n".join(into_app + into_eval)


def test_every_module_belongs_to_a_stage(graph) -> None:
    loose = [m for m in graph if stage(m) is None and m not in FACADE]
    assert not loose, f"modules outside a stage folder: {loose}"


def test_the_public_import_works() -> None:
    from chatrec import ChatRecommender, Settings

    assert ChatRecommender.__name__ == "ChatRecommender" and Settings().lm
