"""PNG plots of benchmark results (matplotlib, headless)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str) -> str:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    _plt().close(fig)
    return path


def recall_cost_plot(configs: Mapping[str, Mapping[str, Any]], metric: str, path: str, title: str) -> str:
    """One point per configuration: ``metric`` (y) against total cost in USD (x)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, values in configs.items():
        x, y = float(values.get("cost_usd", 0.0)), values.get(metric)
        if y is None:
            continue
        ax.scatter([x], [y], s=40)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel("cost (USD)")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def learning_curves(curves: Mapping[str, Sequence[float]], path: str, title: str, ylabel: str) -> str:
    """One line per series (e.g. per manager): a running value per chunk."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, ys in curves.items():
        ax.plot(range(1, len(ys) + 1), list(ys), label=name)
    ax.set_xlabel("judged call")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def latency_histograms(latencies: Mapping[str, Sequence[float]], path: str, title: str) -> str:
    """A histogram of call latencies (ms) per role."""
    plt = _plt()
    roles = [r for r, v in latencies.items() if len(v)]
    fig, axes = plt.subplots(len(roles) or 1, 1, figsize=(7, 1.8 * max(1, len(roles))), squeeze=False)
    for ax, role in zip(axes[:, 0], roles):
        ax.hist(list(latencies[role]), bins=30)
        ax.set_ylabel(role.replace("_", " "), fontsize=8)
    axes[-1, 0].set_xlabel("latency (ms)")
    fig.suptitle(title)
    return _save(fig, path)
