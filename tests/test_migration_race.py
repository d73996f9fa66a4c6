"""20 processes open a fresh database at the same instant: none may fail, all agree on the schema
and the install secret. ``CHATREC_MIGRATION_ROUNDS=3`` repeats it (3 x 20 = 60 starts per
database, the figure in the issue); the default suite runs one round."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import nullcontext

import pytest
from pg import fresh_database, needs_pg

PROCESSES = 20
ROUNDS = int(os.environ.get("CHATREC_MIGRATION_ROUNDS", "1"))
START = """
import sys
from chatrec.profile.store import ProfileStore, create_store_engine, migrate
engine = create_store_engine(sys.argv[1])
engine.connect().close()  # connected and idle: after "go" each process goes straight to migrate
print("ready", flush=True)
sys.stdin.readline()  # the parent says go to all processes at once
migrate(engine)
with ProfileStore(sys.argv[1]) as store:
    print(store.schema_version(), store.install_secret().hex())
"""


def start_together(url: str, processes: int = PROCESSES) -> tuple[list[str], list[str]]:
    """Start ``processes`` stores on ``url`` at one instant; (outputs of those that succeeded,
    error tails of those that failed)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", START, url], env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(processes)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-400:]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs, failures = [], []
    for proc in procs:
        out, err = proc.communicate(timeout=600)  # generous: a busy machine starves
        (outputs if proc.returncode == 0 else failures).append(out.strip() or err[-400:])
    return outputs, failures


def run_rounds(make_url) -> None:
    failed: list[str] = []
    for _ in range(ROUNDS):
        with make_url() as url:
            outputs, failures = start_together(url)
        failed += failures
        assert len(set(outputs)) <= 1, f"processes disagree on schema or secret: {set(outputs)}"
    print(f"migration race: {len(failed)} of {ROUNDS * PROCESSES} starts failed")
    assert failed == [], failed[:3]


def test_sqlite_concurrent_first_start(tmp_path) -> None:
    counter = iter(range(ROUNDS))
    run_rounds(lambda: nullcontext(f"sqlite:///{tmp_path / f'race{next(counter)}.db'}"))


@needs_pg
@pytest.mark.integration
def test_postgresql_concurrent_first_start() -> None:
    run_rounds(fresh_database)
