"""``olp bench qmsum``: topic recall on QMSum meetings (gold topic spans), with cost and latency per configuration.

Topic recall is the share of gold topics matched by a predicted topic whose sentence set has IoU >= 0.5 with
the gold span (turns are sentences). Baselines in the same run: fixed 300-word windows, and the whole meeting at
once (non-OLP).
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    from olp.bench.common import common_arguments

    common_arguments(p)
    p.add_argument("--split", default="val", choices=("train", "val", "all"), help="QMSum split (default val)")
    p.add_argument("--limit", type=int, help="at most this many meetings")


def run(args: argparse.Namespace) -> int:
    from olp.bench.common import configurations, cost_latency_summary, emit, md_table, predictor
    from olp.evaluation.bench import evaluate_qmsum
    from olp.poolfile import load_pool

    pool = load_pool(args.pool)
    rows, payload = [], {"benchmark": "qmsum", "split": args.split, "configurations": {}}
    all_runs: dict[str, list] = {}
    for config in configurations(pool, args.manager or ["bandit"], whole_model=pool.assignment["topic_finder"]):
        runs: list = all_runs.setdefault(config.name, [])
        res = evaluate_qmsum(predictor(config, pool, runs, args.chunk_size, args.seed), split=args.split,
                             limit=args.limit)
        summary = cost_latency_summary(runs)
        payload["configurations"][config.name] = {
            "topic_recall": res["topic_recall"], "topic_recall_macro": res["topic_recall_macro"],
            "gold_topics": res["gold_topics"], "predicted_topics": res["predicted_topics"],
            "meetings": res["streams"], **summary,
        }
        rows.append([config.name, res["topic_recall"], res["topic_recall_macro"], res["predicted_topics"],
                     summary["cost_usd"], summary["calls"], summary["wall_s"]])
    table = md_table(["configuration", "topic recall", "macro recall", "topics", "cost USD", "calls", "wall s"], rows)
    if args.plots:
        from olp.bench.common import write_plots

        write_plots(args.plots, "qmsum", payload["configurations"], all_runs, "topic_recall", f"QMSum {args.split}: topic recall vs cost")
    emit(args, f"QMSum {args.split}, {rows and payload['configurations'][rows[0][0]]['meetings']} meetings\n\n"
         + table, payload)
    return 0
