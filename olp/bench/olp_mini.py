"""``olp bench olp-mini``: product recall on the hand-labelled OLP-MINI transcripts, per configuration and language.

Every labelled file (``$OLP_DATA_DIR/olp-mini-labels``; 31 English, 27 Chinese) runs through each configuration
(each pool model in every role, random assignment, Role-RL, the fixed 300-word window) and through the oracle
(``olp.bench.oracle``: every role answered from the labels, through the same pipeline). Per language the
metric of ``olp.evaluation.products`` (defined in ``datasets/olp-mini.md``): recall, detected, precision, price
named, empty outputs; plus cost, calls and time to document. Files run in worker processes (``--workers``),
each file's run is independent of the others, and results are gathered in file order, so the engines' rows
repeat exactly; the Role-RL row does not (its reward counts measured latency).

How often the local judge's verdicts agree with the labels is ``olp bench judge`` (``olp.bench.judge_agreement``).
``--synthetic N`` adds topic and aspect recall on N seeded synthetic transcripts per language (off by default).
"""

from __future__ import annotations

import argparse
from functools import lru_cache
from typing import Any

ORACLE = "oracle (labels)"
METRICS = ("recall", "detected", "precision", "price_named", "empty_outputs")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from olp.bench.common import common_arguments

    common_arguments(p)
    p.add_argument("--files", type=int, default=None, help="labelled files per language (default: all)")
    p.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--synthetic", type=int, default=0, help="synthetic transcripts per language (default 0: none)")
    p.add_argument("--synthetic-sentences", type=int, default=600)


def labelled_files(lang: str, limit: int | None = None) -> list[str]:
    """The labelled file names of a language that exist in the OLP-MINI folder, sorted (at most ``limit``)."""
    from olp.datasets import olp_mini
    from olp.evaluation.products import load_labels

    labelled = load_labels(lang)  # first: without labels there is nothing to measure
    have = {olp_mini.stream_id(f) for f in olp_mini.list_files(lang)}
    names = sorted(n for n in labelled if n in have)
    return names[:limit] if limit is not None else names


@lru_cache(maxsize=4)
def _labels(lang: str):
    from olp.evaluation.products import load_labels

    return load_labels(lang)


@lru_cache(maxsize=None)
def _sentences(lang: str, name: str):
    from olp.datasets import olp_mini
    from olp.settings import olp_mini_dir

    return olp_mini.load(olp_mini_dir() / olp_mini.LANG_DIRS[lang] / f"{name}.txt")


def transcript(lang: str, name: str, sentence_ids) -> Any:
    """The labels of one file, restricted to the ids the file has."""
    from olp.evaluation.products import Transcript

    t = _labels(lang)[name]
    have = set(sentence_ids)
    return Transcript(t.name, t.stream, [type(p)(p.name, p.price, frozenset(p.ids & have)) for p in t.products])


def missed(docs, labels, sentence_ids) -> dict[str, int]:
    """Why products went unmatched (meant for the oracle, whose answers are right): ``gaps`` (chit-chat inside
    the product: its own first-to-last stretch has IoU < 0.5 with it, so no contiguous document can match),
    ``split`` (two or more documents each hold a fifth of it), ``too long`` (one document holds it with too much
    else, e.g. the talk after it up to the next product)."""
    from olp.datasets import GoldTopic
    from olp.evaluation.recall import doc_ids, iou, match_topics

    products = [p for p in labels.products if p.ids]
    matched = {g for g, _, _ in match_topics(docs, [GoldTopic(p.name, tuple(sorted(p.ids)), {}) for p in products])}
    sets = [doc_ids(d) for d in docs]
    out: dict[str, int] = {}
    for k, p in enumerate(products):
        if k in matched:
            continue
        stretch = {i for i in sentence_ids if min(p.ids) <= i <= max(p.ids)}
        holders = [s for s in sets if 5 * len(s & p.ids) >= len(p.ids)]
        why = "gaps" if iou(set(p.ids), stretch) < 0.5 else "split" if len(holders) >= 2 else "too long"
        out[why] = out.get(why, 0) + 1
    return out


def run_one(job: tuple) -> tuple:
    """One configuration on one file (a worker process's unit of work): ``(docs, records, wall_s, rewards)``."""
    import asyncio

    from olp.bench.common import predictor, run_stream
    from olp.poolfile import load_pool

    config, pool_path, lang, name, chunk_size, seed = job
    sents = _sentences(lang, name)
    profile = f"ecommerce-{lang}"
    if config.kind == "oracle":
        from olp.bench import oracle

        with oracle.labelled(transcript(lang, name, [s.id for s in sents])):
            res = asyncio.run(run_stream(sents, profile, oracle.oracle_pool(), chunk_size=chunk_size, stream=name))
    else:
        sink: list = []
        asyncio.run(predictor(config, load_pool(pool_path), sink, chunk_size, seed)(sents, profile, name))
        res = sink[0]
    return res.docs, res.records, res.wall_s, res.extra.get("rewards", [])


def _pool_map(fn, jobs: list, workers: int) -> list:
    if workers <= 1 or len(jobs) <= 1:
        return [fn(j) for j in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as ex:
        return list(ex.map(fn, jobs))


def run(args: argparse.Namespace) -> int:
    from olp.bench.common import Config, RunResult, configurations, cost_latency_summary, emit, md_table
    from olp.evaluation.products import Counts, score_transcript
    from olp.poolfile import load_pool

    pool = load_pool(args.pool)
    langs = ("en", "zh") if args.lang == "both" else (args.lang,)
    files = {lang: labelled_files(lang, args.files) for lang in langs}
    configs = configurations(pool, args.manager or ["bandit"], whole_model=None) + [Config(ORACLE, "oracle")]
    jobs = [(c, args.pool, lang, name, args.chunk_size, args.seed) for c in configs for lang in langs
            for name in files[lang]]
    results = _pool_map(run_one, jobs, args.workers)

    payload: dict[str, Any] = {"benchmark": "olp-mini", "files": files, "configurations": {}}
    rows, all_runs, notes = [], {}, []
    by_key = {(j[0].name, j[2], j[3]): r for j, r in zip(jobs, results)}
    for config in configs:
        entry: dict[str, Any] = {}
        for lang in langs:
            counts, runs, losses = Counts(), [], {}
            for name in files[lang]:
                docs, records, wall, rewards = by_key[(config.name, lang, name)]
                ids = [s.id for s in _sentences(lang, name)]
                labels = transcript(lang, name, ids)
                counts.add(score_transcript(docs, labels))
                if config.kind == "oracle":
                    for why, n in missed(docs, labels, ids).items():
                        losses[why] = losses.get(why, 0) + n
                runs.append(RunResult(docs, records, wall, 0.0, len(ids), {"rewards": rewards}))
            all_runs.setdefault(config.name, []).extend(runs)
            summary = cost_latency_summary(runs)
            entry[lang] = {**counts.scores(), **summary}
            if config.kind == "oracle":
                entry[lang]["missed"] = losses
                notes.append(f"oracle, {lang}: {counts.products - counts.matched} of {counts.products} products "
                             "missed: " + ", ".join(f"{n} {why}" for why, n in losses.items()))
            e, ttd = entry[lang], summary["time_to_document_ms_p50"]
            rows.append([config.name, lang, *(e[m] for m in METRICS[:4]),
                         f"{e['empty_outputs']} of {e['transcripts_with_products']}", e["documents"], e["products"],
                         summary["cost_usd"], summary["calls"], "—" if ttd is None else ttd])
        payload["configurations"][config.name] = entry
    header = ["configuration", "lang", "recall", "detected", "precision", "price named", "empty outputs",
              "documents", "products", "cost USD", "calls", "time to doc p50 ms"]
    counts_line = ", ".join(f"{len(files[lang])} {lang}" for lang in langs)
    table = f"OLP-MINI labelled files: {counts_line}\n\n" + md_table(header, rows) + "\n\n" + "\n".join(notes)

    if args.synthetic:
        table += "\n\n" + _synthetic(args, pool, configs, langs, payload)
    if args.plots:
        from olp.bench.common import write_plots

        points = {name: {"recall": _mean(v[lang]["recall"] for lang in langs),
                         "cost_usd": sum(v[lang]["cost_usd"] for lang in langs)}
                  for name, v in payload["configurations"].items()}
        write_plots(args.plots, "olp-mini", points, all_runs, "recall", "OLP-MINI product recall vs cost")
    emit(args, table, payload)
    return 0


def _mean(values) -> float:
    vals = [float(v) for v in values]
    return sum(vals) / len(vals) if vals else float("nan")


def _synthetic(args, pool, configs, langs, payload) -> str:
    """Topic and aspect recall on the seeded synthetic live-commerce set (the engines' rows only)."""
    from olp.bench.common import md_table, predictor
    from olp.evaluation.bench import evaluate_synthetic

    rows = []
    for config in configs:
        if config.kind == "oracle":
            continue
        synth = {}
        for lang in langs:
            res = evaluate_synthetic(predictor(config, pool, [], args.chunk_size, args.seed), args.synthetic,
                                     args.synthetic_sentences, lang, seed=args.seed)
            synth[lang] = {"topic_recall": res["topic_recall"], "aspect_recall": res["aspect_recall"]}
        payload["configurations"][config.name]["synthetic"] = synth
        rows.append([config.name, *(synth[lang]["topic_recall"] for lang in langs),
                     *(synth[lang]["aspect_recall"] for lang in langs)])
    header = ["configuration", *(f"synthetic {lang} topic recall" for lang in langs),
              *(f"synthetic {lang} aspect recall" for lang in langs)]
    return (f"Synthetic live commerce: {args.synthetic} x {args.synthetic_sentences} sentences per language\n\n"
            + md_table(header, rows))
