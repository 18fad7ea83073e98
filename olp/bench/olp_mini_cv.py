"""``olp bench olp-mini-cv``: the local engines' segmentation settings, cross-validated by live stream.

The live-commerce segmentation (``olp.engines.segments``) has three settings: how close two call-ups may be
(``MIN_GAP``), how long the talk must stay on another product before it counts without a cue (``MIN_DRIFT``),
and whether a stretch that does not open with a cue continues the topic before it (``CONTINUE_UNCUED``). Their
defaults were chosen while reading the labelled OLP-MINI transcripts, so the numbers measured on those
transcripts flatter them. This benchmark measures what choosing them on the labels is worth on streams the
choice never saw: each language's labelled files are split into five folds that keep every live stream
(``streams.json``: files cut from one show) in one fold; for each fold, the setting with the best product recall
on the other four folds is scored on it. The sum over the five held-out folds is the cross-validated figure.
"""

from __future__ import annotations

import argparse
from typing import Any

#: name -> (MIN_GAP, MIN_DRIFT (English, Chinese), CONTINUE_UNCUED (English, Chinese)); the first is the engines'
#: default. Each language is cross-validated on its own, so "drift 10"/"drift 20" and "continue"/"no continue"
#: are the choices for both languages.
SETTINGS: dict[str, tuple[int, tuple[int, int], tuple[bool, bool]]] = {
    "default (gap 2; en: drift 20, no continue; zh: drift 10, continue)": (2, (20, 10), (False, True)),
    "gap 4": (4, (20, 10), (False, True)),
    "gap 8": (8, (20, 10), (False, True)),
    "drift 10": (2, (10, 10), (False, True)),
    "drift 20": (2, (20, 20), (False, True)),
    "continue": (2, (20, 10), (True, True)),
    "no continue": (2, (20, 10), (False, False)),
}
FOLDS = 5
METRICS = ("recall", "detected", "precision", "price_named")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    p.add_argument("--files", type=int, default=None, help="labelled files per language (default: all)")
    p.add_argument("--settings", type=int, default=None, help="only the first N settings (default: all)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of a table")


def apply(setting: tuple[int, tuple[int, int], tuple[bool, bool]]) -> None:
    """Set the segmentation settings in this process (and forget segmentations made under others)."""
    from olp.engines import engine, segments

    gap, (drift_en, drift_zh), (cont_en, cont_zh) = setting
    drift, cont = {False: drift_en, True: drift_zh}, {False: cont_en, True: cont_zh}
    if (segments.MIN_GAP, segments.MIN_DRIFT, segments.CONTINUE_UNCUED) == (gap, drift, cont):
        return  # the same setting as the last job: its caches stay warm
    segments.MIN_GAP, segments.MIN_DRIFT, segments.CONTINUE_UNCUED = gap, drift, cont
    segments._segment.cache_clear()
    engine._derive.cache_clear()


def run_one(job: tuple) -> list:
    """The default pool's documents for one file under one setting."""
    import asyncio

    from olp.bench.common import run_stream
    from olp.bench.olp_mini import _sentences
    from olp.poolfile import load_pool

    setting, lang, name = job
    apply(setting)
    res = asyncio.run(run_stream(_sentences(lang, name), f"ecommerce-{lang}", load_pool(None), stream=name))
    return res.docs


def folds(names: list[str], streams: dict[str, str], k: int = FOLDS) -> dict[str, int]:
    """File -> fold, every live stream in one fold (streams dealt round-robin in name order)."""
    order = sorted({streams.get(n, n) for n in names})
    fold_of = {s: i % k for i, s in enumerate(order)}
    return {n: fold_of[streams.get(n, n)] for n in names}


def cross_validate(counts: dict[str, dict[str, Any]], fold: dict[str, int], k: int = FOLDS) -> tuple[Any, list[str]]:
    """Nested choice: per held-out fold, the setting with the best recall (then detected) on the other folds.

    Args:
        counts: setting -> file -> ``olp.evaluation.products.Counts``.
        fold: file -> fold.

    Returns:
        The summed held-out counts, and the setting chosen for each fold.
    """
    from olp.evaluation.products import Counts

    def total(setting: str, files) -> Counts:
        return _total(counts[setting][n] for n in files)

    held, chosen = Counts(), []
    for f in range(k):
        train = [n for n in fold if fold[n] != f]
        test = [n for n in fold if fold[n] == f]
        if not test:
            continue

        def key(s: str) -> tuple[float, float]:
            sc = total(s, train).scores()
            return (sc["recall"], sc["detected"])

        best = max(counts, key=key)
        chosen.append(best)
        held.add(total(best, test))
    return held, chosen


def _total(counts) -> Any:
    """The sum of some transcripts' ``Counts``."""
    from olp.evaluation.products import Counts

    out = Counts()
    for c in counts:
        out.add(c)
    return out


def run(args: argparse.Namespace) -> int:
    from olp.bench.common import emit, md_table
    from olp.bench.olp_mini import _pool_map, _sentences, labelled_files, transcript
    from olp.evaluation.products import score_transcript

    settings = dict(list(SETTINGS.items())[: args.settings or len(SETTINGS)])
    langs = ("en", "zh") if args.lang == "both" else (args.lang,)
    files = {lang: labelled_files(lang, args.files) for lang in langs}
    jobs = [(s, lang, n) for s in settings.values() for lang in langs for n in files[lang]]
    docs = dict(zip(((j[0], j[1], j[2]) for j in jobs), _pool_map(run_one, jobs, args.workers)))

    payload: dict[str, Any] = {"benchmark": "olp-mini-cv", "folds": FOLDS, "settings": {}, "cv": {}}
    rows = []
    for lang in langs:
        labels = {n: transcript(lang, n, [x.id for x in _sentences(lang, n)]) for n in files[lang]}
        counts = {name: {n: score_transcript(docs[(s, lang, n)], labels[n]) for n in files[lang]}
                  for name, s in settings.items()}
        for name in settings:
            sc = _total(counts[name].values()).scores()
            payload["settings"].setdefault(name, {})[lang] = {m: sc[m] for m in (*METRICS, "empty_outputs")}
            rows.append([f"{name} (on all labels)", lang, *(sc[m] for m in METRICS), sc["empty_outputs"]])
        streams = {n: labels[n].stream for n in files[lang]}  # the labels carry streams.json's mapping
        held, chosen = cross_validate(counts, folds(files[lang], streams))
        sc = held.scores()
        payload["cv"][lang] = {**{m: sc[m] for m in (*METRICS, "empty_outputs")}, "chosen": chosen}
        rows.append([f"**cross-validated by stream** ({FOLDS} folds)", lang, *(sc[m] for m in METRICS),
                     sc["empty_outputs"]])
    header = ["setting", "lang", "recall", "detected", "precision", "price named", "empty outputs"]
    chosen = "; ".join(f"{lang}: " + ", ".join(payload["cv"][lang]["chosen"]) for lang in langs)
    table = md_table(header, rows) + f"\n\nSetting chosen per held-out fold — {chosen}"
    emit(args, table, payload)
    return 0
