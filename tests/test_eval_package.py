"""chatrec_eval is a plug-in: found through entry points, never imported by chatrec."""

from __future__ import annotations

import ast
import re
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import tomllib
import typer
from typer.testing import CliRunner

import chatrec_eval.cli_common as eval_cli
from chatrec.app.cli import PLUGIN_GROUP, add_plugin_commands

ROOT = Path(__file__).resolve().parent.parent
HINT = "pip install -e '.[eval]'"


def app_with(*entries: tuple[str, str]) -> typer.Typer:
    """A bare command line with these (name, "module:attr") plug-ins."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A callback keeps the app a group even with a single command."""

    @app.command()
    def hello() -> None:
        """A built-in command."""
        typer.echo("hello")

    add_plugin_commands(app, [EntryPoint(n, v, PLUGIN_GROUP) for n, v in entries])
    return app


def test_plugins_add_the_eval_and_bench_groups() -> None:
    app = app_with(("eval", "chatrec_eval.cli:eval_app"), ("bench", "chatrec_eval.cli:bench_app"))
    runner = CliRunner()
    out = runner.invoke(app, ["eval", "--help"])
    assert out.exit_code == 0, out.output
    assert all(name in out.output for name in ("nlu", "offline", "chat", "report"))
    out = runner.invoke(app, ["bench", "--help"])
    assert out.exit_code == 0, out.output
    assert all(name in out.output for name in ("lm", "engine", "turn", "startup", "scale", "load"))
    assert "--weights-out" in runner.invoke(app, ["eval", "offline", "--help"]).output


@pytest.mark.parametrize("value", ["no_such_module_for_chatrec:app",
                                   "chatrec_eval.cli_common:int_list"])
def test_a_broken_plugin_explains_itself_in_one_line(value: str) -> None:
    out = CliRunner().invoke(app_with(("eval", value)), ["eval", "nlu", "--data", "x"])
    assert out.exit_code == 1
    assert isinstance(out.exception, SystemExit)  # a clean exit, not a traceback
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and HINT in lines[0] and value in lines[0]


def test_missing_eval_extra_gives_the_install_command(monkeypatch) -> None:
    monkeypatch.setattr(eval_cli, "EVAL_REQUIREMENTS", ("psutil", "no_such_module_for_chatrec"))
    ran = []
    monkeypatch.setattr("chatrec_eval.report.write_report", lambda *a: ran.append(a))
    app = app_with(("eval", "chatrec_eval.cli:eval_app"))
    out = CliRunner().invoke(app, ["eval", "report"])
    assert out.exit_code == 1 and not ran
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and "no_such_module_for_chatrec" in lines[0] and HINT in lines[0]
    assert "psutil" not in lines[0]  # installed, so not blamed


def test_eval_requirements_match_the_eval_extra() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["eval"]
    names = {re.match(r"[A-Za-z0-9_.-]+", req).group(0).replace("-", "_") for req in extra}
    assert names == set(eval_cli.EVAL_REQUIREMENTS)


def test_entry_points_are_declared_for_both_groups() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert declared[PLUGIN_GROUP] == {"eval": "chatrec_eval.cli:eval_app",
                                      "bench": "chatrec_eval.cli:bench_app"}


def imports_of(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) for every import statement in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_the_product_never_imports_chatrec_eval() -> None:
    offenders = [f"{path.relative_to(ROOT)}: {module}"
                 for path in (ROOT / "chatrec").rglob("*.py")
                 for module, _ in imports_of(path) if module.split(".")[0] == "chatrec_eval"]
    assert not offenders


def test_chatrec_eval_uses_no_private_chatrec_names() -> None:
    """Only public names of chatrec: no ``_x`` imports, no ``obj._x`` outside its own class."""
    offenders = []
    for path in (ROOT / "chatrec_eval").rglob("*.py"):
        for module, names in imports_of(path):
            private = [n for n in names if n.startswith("_")]
            if module.startswith("chatrec.") and private:
                offenders.append(f"{path.name}: from {module} import {private}")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
                continue
            own = isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}
            if not own and not node.attr.startswith("__"):
                offenders.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert not offenders


def test_a_plugin_cannot_replace_a_built_in_command() -> None:
    out = CliRunner().invoke(app_with(("hello", "no_such_module_for_chatrec:app")), ["hello"])
    assert out.exit_code == 0 and out.output == "hello\n"
