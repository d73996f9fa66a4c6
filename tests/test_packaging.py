"""A non-editable install works: the wheel carries the prompts, the blend weights and both
packages, and the templates load from it with the source tree out of sight."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "chatrec", "chatrec_eval")

# Runs in a fresh interpreter whose first path entry is the unpacked wheel; prints what loaded.
CHECK = """
import json, sys
sys.path.insert(0, sys.argv[1])
from importlib import metadata
import chatrec
from chatrec.reply.lead_in import lead_in_messages_prefix
from chatrec.reply.templates import PROMPTS_DIR, templates
from chatrec.rank.blend import WEIGHTS_FILE, BlendConfig, read_blend_file
from chatrec.dialogue.seeds import SEEDS, SEEDS_FILE
dist = next(metadata.distributions(path=[sys.argv[1]]))
print(json.dumps({
    "chatrec": chatrec.__file__, "prompts": str(PROMPTS_DIR), "weights": str(WEIGHTS_FILE),
    "seeds": str(SEEDS_FILE), "named": SEEDS.ratings["stated"],
    "kinds": sorted(templates()), "lead_in": len(lead_in_messages_prefix()),
    "blend": BlendConfig().__dict__, "version": read_blend_file().provenance["version"],
    "entry_points": sorted(f"{e.group}:{e.name}={e.value}" for e in dist.entry_points),
    "requires": dist.requires,
}))
"""


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    """Build a wheel from a copy of the sources (no build isolation) and unpack it."""
    missing = [m for m in ("pip", "setuptools") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed here, so no wheel can be built")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:  # a copy keeps build/ and *.egg-info out of the worktree
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(tmp / "dist"), str(src)],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp / "dist").glob("chatrec-*.whl"))
    target = tmp / "site"
    with zipfile.ZipFile(wheel) as archive:  # a pure-Python wheel installs by unpacking
        archive.extractall(target)
    return target


@pytest.fixture(scope="module")
def loaded(unpacked: Path) -> dict:
    """What the check script saw, run isolated (no PYTHONPATH, no user site) outside ROOT."""
    out = subprocess.run([sys.executable, "-I", "-c", CHECK, str(unpacked)],
                         cwd=unpacked.parent, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_templates_and_weights_load_from_the_wheel(unpacked: Path, loaded: dict) -> None:
    got = loaded
    for key in ("chatrec", "prompts", "weights", "seeds"):
        assert Path(got[key]).is_relative_to(unpacked), (key, got[key])
    assert {"question", "ack_like"} <= set(got["kinds"])
    assert got["lead_in"] >= 3  # the system prompt and at least one few-shot pair
    assert got["blend"]["neural"] == 2.0 and got["blend"]["pool_size"] == 200
    assert got["version"] >= 1
    assert got["named"] == 5.0  # chatrec/dialogue/seeds.toml shipped and read


def test_wheel_registers_the_plugins_and_keeps_eval_deps_optional(unpacked: Path,
                                                                   loaded: dict) -> None:
    got = loaded
    assert {"chatrec.commands:eval=chatrec_eval.cli:eval_app",
            "chatrec.commands:bench=chatrec_eval.cli:bench_app",
            "console_scripts:chatrec=chatrec.app.cli:main"} <= set(got["entry_points"])
    assert (unpacked / "chatrec_eval" / "cli.py").exists()
    for name in ("matplotlib", "psutil"):
        rows = [r for r in got["requires"] if r.startswith(name)]
        assert rows and all('extra == "eval"' in r for r in rows), rows
