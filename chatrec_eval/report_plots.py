"""The PNG plots of docs/benchmarks.md, drawn with matplotlib (Agg: no display on a server)."""

from __future__ import annotations

from pathlib import Path


def _figure(width: float = 7.0, height: float = 3.6, columns: int = 1):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, columns, figsize=(width, height), squeeze=False)
    return plt, figure, axes[0]


def _save(plt, figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_chat(result: dict, docs: Path, name: str = "chat_sr_per_turn.png") -> Path:
    """SR@10 after each turn, one line per ablation, one panel per mode."""
    modes = result["modes"]
    plt, figure, axes = _figure(4.2 * len(modes), 3.6, len(modes))
    for axis, (mode, block) in zip(axes, modes.items(), strict=True):
        for run, r in block["runs"].items():
            turns = range(1, len(r["sr_at_turn"]) + 1)
            axis.plot(turns, r["sr_at_turn"], marker="o", label=run)
        axis.set(title=f"{mode} users", xlabel="turn", ylabel="SR@10", ylim=(0, None))
        axis.set_xticks(list(turns))
    axes[0].legend(fontsize=8)
    return _save(plt, figure, docs / name)


def plot_stages(runs: dict[str, dict], docs: Path) -> Path:
    """p50 and p95 per stage (log ms), one panel per LM setting."""
    plt, figure, axes = _figure(4.2 * len(runs), 3.6, len(runs))
    for axis, r in zip(axes, runs.values(), strict=True):
        names = [*r["stages"], "turn"]
        blocks = [*r["stages"].values(), r["turn"]]
        for offset, q in ((-0.2, "p50_ms"), (0.2, "p95_ms")):
            values = [max(b[q] or 0.0, 1e-3) for b in blocks]  # log axis: no zeros
            axis.bar([i + offset for i in range(len(names))], values, width=0.4,
                     label=q.replace("_ms", ""))
        axis.set_xticks(range(len(names)), names, rotation=30)
        axis.set(yscale="log", ylabel="ms", title=f"LM: {r['lm']}")
    axes[0].legend(fontsize=8)
    return _save(plt, figure, docs / "latency_per_stage.png")


def plot_scale(result: dict, docs: Path) -> Path:
    """Prepare seconds, peak MiB and turn p95 ms against ratings (log-log), with the fits."""
    import numpy as np

    rows = result["rows"]
    n = np.array([r["n_ratings"] for r in rows], dtype=float)
    series = (("prepare_without_embedding_s", "prepare s without embedding",
               [r["prepare"]["total_s"] - r["prepare"]["item_vectors_s"] for r in rows]),
              ("peak_rss_mb", "prepare peak MiB", [r["prepare"]["peak_rss_mb"] for r in rows]),
              ("turn_p95_ms", "turn p95 ms", [r["serve"]["turn"]["p95_ms"] for r in rows]))
    plt, figure, axes = _figure(11.0, 3.6, len(series))
    for axis, (key, label, values) in zip(axes, series, strict=True):
        axis.plot(n, values, "o-", label=label)
        fit = result["growth"][key]
        if fit["exponent"] is not None:
            axis.plot(n, fit["coefficient"] * n ** fit["exponent"], ":", color="grey",
                      label=f"~ n^{fit['exponent']:.2f}")
        axis.set(xscale="log", yscale="log", xlabel="ratings", title=label)
        axis.legend(fontsize=7)
    return _save(plt, figure, docs / "latency_vs_catalog.png")
