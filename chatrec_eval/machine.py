"""Where and when a benchmark ran: the machine record every saved result carries."""

from __future__ import annotations

import datetime as dt
import os
import platform
from importlib import metadata
from pathlib import Path


def machine_info() -> dict:
    """Cores, RAM, CPU model, Python and torch versions, load and date of this machine."""
    import psutil

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    try:
        torch = metadata.version("torch")  # no import: the report must stay fast
    except metadata.PackageNotFoundError:
        torch = None
    return {"cpu": cpu, "cores": os.cpu_count(),
            "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "torch": torch,
            "platform": platform.platform(), "load_average": list(os.getloadavg()),
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds")}


def describe_machine(machine: dict | None) -> str:
    """One line: where and when a result was measured."""
    if not machine:
        return "machine not recorded"
    return (f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gb']} GB RAM, "
            f"Python {machine['python']}, torch {machine['torch']}, "
            f"load average {machine['load_average'][0]:.2f}, {machine['date']}")
