"""``olp bench longbench``: our configurations scored by the authors' similarity, beside their stored outputs.

The authors' score is a whole-file normalized Levenshtein similarity between the human-checked reference and a
method's output in the checked-text layout (their hyphen rules included); ``olp run --format olp-text`` writes
that layout. The stored outputs of Direct, CoT, Reflex, LA, CoA, OLP and OLP+Role-RL are scored in the same run.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    from olp.bench.common import common_arguments

    common_arguments(p)


def run(args: argparse.Namespace) -> int:
    from olp.bench.common import configurations, cost_latency_summary, emit, md_table, predictor
    from olp.datasets import longbench
    from olp.evaluation.bench import evaluate_longbench, longbench_table, setting_name
    from olp.poolfile import load_pool

    pool = load_pool(args.pool)
    settings = [setting_name(t, n) for t in longbench.TASKS for n in longbench.SIZES]
    stored = longbench_table()
    columns: dict[str, dict[str, float]] = {m: {s: stored[s][m] for s in settings} for m in longbench.METHODS}
    payload = {"benchmark": "longbench", "settings": settings, "stored_outputs": columns, "configurations": {}}
    all_runs: dict[str, list] = {}
    for config in configurations(pool, args.manager or ["bandit"], whole_model=pool.assignment["topic_finder"]):
        runs: list = all_runs.setdefault(config.name, [])
        res = evaluate_longbench(predictor(config, pool, runs, args.chunk_size, args.seed))
        scores = {s: res[s]["similarity"] for s in settings}
        columns[config.name] = scores
        payload["configurations"][config.name] = {
            "similarity": scores, "mean_similarity": sum(scores.values()) / len(scores),
            "topics": {s: res[s]["topics"] for s in settings}, **cost_latency_summary(runs),
        }
    header = ["method", *settings, "mean"]
    rows = [[name, *[100 * col[s] for s in settings], 100 * sum(col.values()) / len(col)] for name, col in columns.items()]
    table = "LongBench-OLP similarity ×100 (authors' metric); first rows: the authors' stored outputs\n\n"
    table += md_table(header, rows)
    if args.plots:
        from olp.bench.common import write_plots

        write_plots(args.plots, "longbench", payload["configurations"], all_runs, "mean_similarity", "LongBench-OLP: similarity vs cost")
    emit(args, table, payload)
    return 0
