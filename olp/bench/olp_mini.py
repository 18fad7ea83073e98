"""``olp bench olp-mini``: OLP-MINI live-commerce transcripts, per configuration.

OLP-MINI ships without labels, so on it we report what can be measured honestly: topics found, the share of
sentences that land in a document (coverage), cost, latency p50/p95 per role and time to document. Recall is
measured on the seeded synthetic live-commerce set (same generator settings, gold topics and aspects) in the
same run: topic recall (IoU >= 0.5) and aspect recall.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    from olp.bench.common import common_arguments

    common_arguments(p)
    p.add_argument("--files", type=int, default=5, help="OLP-MINI files per language (default 5)")
    p.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    p.add_argument("--synthetic", type=int, default=5, help="synthetic transcripts per language (default 5)")
    p.add_argument("--synthetic-sentences", type=int, default=600)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from olp.bench.common import configurations, cost_latency_summary, emit, md_table, predictor
    from olp.datasets import olp_mini
    from olp.evaluation.bench import evaluate_synthetic
    from olp.evaluation.recall import doc_ids
    from olp.poolfile import load_pool

    pool = load_pool(args.pool)
    langs = ("en", "zh") if args.lang == "both" else (args.lang,)
    streams = [(lang, sid, sents) for lang in langs for sid, sents in olp_mini.iter_streams(lang, args.files)]
    payload = {"benchmark": "olp-mini", "files": [s[1] for s in streams], "configurations": {}}
    rows = []
    all_runs: dict[str, list] = {}
    for config in configurations(pool, args.manager or ["bandit"], whole_model=None):
        runs: list = all_runs.setdefault(config.name, [])
        predict = predictor(config, pool, runs, args.chunk_size, args.seed)
        covered = total = topics = 0
        for lang, sid, sents in streams:
            docs = asyncio.run(predict(sents, f"ecommerce-{lang}", sid))
            topics += len(docs)
            covered += len(set().union(*(doc_ids(d) for d in docs)) if docs else set())
            total += len(sents)
        mini = cost_latency_summary(runs)
        synth = {}
        for lang in langs:
            res = evaluate_synthetic(predictor(config, pool, [], args.chunk_size, args.seed), args.synthetic,
                                     args.synthetic_sentences, lang, seed=args.seed)
            synth[lang] = {"topic_recall": res["topic_recall"], "aspect_recall": res["aspect_recall"]}
        entry = {"topics": topics, "coverage": covered / max(1, total), "sentences": total, **mini,
                 "synthetic": synth}
        entry["topic_recall"] = sum(v["topic_recall"] for v in synth.values()) / len(synth)
        payload["configurations"][config.name] = entry
        ttd = mini["time_to_document_ms_p50"]
        rows.append([config.name, topics, entry["coverage"], mini["cost_usd"], mini["calls"],
                     "—" if ttd is None else ttd,
                     *[synth[lang]["topic_recall"] for lang in langs], *[synth[lang]["aspect_recall"] for lang in langs]])
    header = ["configuration", "OLP-MINI topics", "coverage", "cost USD", "calls", "time to doc p50 ms",
              *[f"synthetic {lang} topic recall" for lang in langs], *[f"synthetic {lang} aspect recall" for lang in langs]]
    table = (f"OLP-MINI: {len(streams)} files ({', '.join(s[1] for s in streams)}); synthetic: {args.synthetic} x "
             f"{args.synthetic_sentences} sentences per language\n\n" + md_table(header, rows))
    if args.plots:
        from olp.bench.common import write_plots

        write_plots(args.plots, "olp-mini", payload["configurations"], all_runs, "topic_recall", "Synthetic live commerce: topic recall vs OLP-MINI cost")
    emit(args, table, payload)
    return 0
