"""Benchmark runners over the datasets: LongBench-OLP similarity, QMSum topic recall, synthetic recall.

A predictor is any callable ``predict(sentences, profile, stream)`` returning topic documents (``to_dict()``
dicts or ``TopicDocument`` objects), or an awaitable of them; async predictors are run with ``asyncio.run``.
``olp bench`` builds on these functions; ``python -m olp.evaluation.bench`` prints the tables for the authors'
stored outputs and the fixed-window baseline.
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from olp.datasets import longbench, qmsum, synthetic
from olp.evaluation.checked_text import write_checked_text
from olp.evaluation.recall import aspect_recall, match_topics
from olp.evaluation.similarity import hyphen_rule, similarity
from olp.types import Sentence

Predictor = Callable[[list[Sentence], str, str], Any]


def _docs(result: Any) -> list[dict[str, Any]]:
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    return [d.to_dict() if hasattr(d, "to_dict") else dict(d) for d in result]


async def _await(awaitable: Any) -> Any:
    return await awaitable


def setting_name(task: str, n: int) -> str:
    """``"multi_news N=10"``."""
    return f"{task} N={n}"


# --- LongBench-OLP --------------------------------------------------------------------------------------------


def score_longbench(task: str, n: int, method: str, root: str | Path | None = None) -> float:
    """The authors' similarity of one stored method output to the human-checked reference (their exact rule)."""
    tag = longbench.method_tag(method)
    strip_ref, strip_out = hyphen_rule(task, n, tag)
    return similarity(
        longbench.reference_text(task, n, root), longbench.output_text(task, n, tag, root),
        strip_reference=strip_ref, strip_output=strip_out,
    )


def score_longbench_text(task: str, n: int, out_text: str, as_method: str = "OLP_Role-RL",
                         root: str | Path | None = None) -> float:
    """Score a new output text (e.g. ``olp run --format olp-text``) against the reference.

    ``as_method`` picks whose hyphen rule applies; the default treats it like OLP_Role-RL and the baselines,
    which can only lower a score (the output loses hyphens the reference may keep).
    """
    strip_ref, strip_out = hyphen_rule(task, n, longbench.method_tag(as_method))
    return similarity(longbench.reference_text(task, n, root), out_text,
                      strip_reference=strip_ref, strip_output=strip_out)


def longbench_table(root: str | Path | None = None, tasks: Sequence[str] = longbench.TASKS,
                    sizes: Sequence[int] = longbench.SIZES) -> dict[str, dict[str, float]]:
    """``{setting: {method tag: similarity}}`` for the stored outputs of every setting."""
    return {setting_name(t, n): {m: score_longbench(t, n, m, root) for m in longbench.METHODS}
            for t in tasks for n in sizes}


def evaluate_longbench(predict: Predictor, tasks: Sequence[str] = longbench.TASKS,
                       sizes: Sequence[int] = longbench.SIZES, root: str | Path | None = None,
                       as_method: str = "OLP_Role-RL") -> dict[str, dict[str, Any]]:
    """Run a predictor on each LongBench-OLP input and score its checked-text rendering.

    The predictor sees unique ids (``longbench.renumber``); documents are mapped back to the original ids before
    ``write_checked_text``, so the text compares with the reference like the authors' outputs do.

    Returns:
        ``{setting: {"similarity": float, "topics": int, "text": str}}``.
    """
    results: dict[str, dict[str, Any]] = {}
    for task in tasks:
        for n in sizes:
            sentences, original = longbench.renumber(longbench.load_input(task, n, root))
            profile = longbench.PROFILE[task]
            docs = longbench.restore_ids(_docs(predict(sentences, profile, f"{task}_sampling_{n}")), original)
            text = write_checked_text(docs, longbench.ASPECTS[task])
            results[setting_name(task, n)] = {
                "similarity": score_longbench_text(task, n, text, as_method, root), "topics": len(docs), "text": text,
            }
    return results


# --- QMSum and synthetic recall ----------------------------------------------------------------------------------


def _recall_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    matched = sum(r["matched"] for r in rows)
    gold = sum(r["gold"] for r in rows)
    recalls = [r["topic_recall"] for r in rows if not math.isnan(r["topic_recall"])]
    return {
        "streams": len(rows),
        "gold_topics": gold,
        "predicted_topics": sum(r["predicted"] for r in rows),
        "topic_recall": matched / gold if gold else math.nan,  # micro: over all gold topics
        "topic_recall_macro": sum(recalls) / len(recalls) if recalls else math.nan,  # mean over streams
        "per_stream": rows,
    }


def _recall_row(name: str, docs: list[dict[str, Any]], gold: list, threshold: float) -> dict[str, Any]:
    matched = len(match_topics(docs, gold, threshold))
    return {"stream": name, "gold": len(gold), "predicted": len(docs), "matched": matched,
            "topic_recall": matched / len(gold) if gold else math.nan}


def evaluate_qmsum(predict: Predictor, split: str = "val", limit: int | None = None, threshold: float = 0.5,
                   root: str | Path | None = None, profile: str = "meeting-en") -> dict[str, Any]:
    """Topic recall (IoU >= ``threshold``) of a predictor on QMSum meetings (``split``: train, val or all).

    Returns:
        ``topic_recall`` (micro, over all gold topics), ``topic_recall_macro`` (mean over meetings), counts, and
        ``per_stream`` rows.
    """
    rows = []
    for meeting in qmsum.iter_meetings(split, limit, root):
        docs = _docs(predict(meeting.sentences, profile, meeting.name))
        rows.append(_recall_row(meeting.name, docs, meeting.topics, threshold))
    return _recall_summary(rows)


def evaluate_synthetic(predict: Predictor, streams: int = 10, n_sentences: int = 1000, lang: str = "en",
                       seed: int = 0, threshold: float = 0.5) -> dict[str, Any]:
    """Topic and aspect recall of a predictor on ``streams`` synthetic transcripts (seeds ``seed``, ``seed+1``...)."""
    rows = []
    hit = wanted = 0
    for k in range(streams):
        t = synthetic.generate(n_sentences, lang, seed + k)
        docs = _docs(predict(t.sentences, t.profile, t.stream))
        row = _recall_row(t.stream, docs, t.topics, threshold)
        pairs = t.aspect_pairs()
        row["aspect_recall"] = aspect_recall(docs, pairs)
        hit += round(row["aspect_recall"] * len(pairs)) if pairs else 0
        wanted += len(pairs)
        rows.append(row)
    summary = _recall_summary(rows)
    summary["aspect_recall"] = hit / wanted if wanted else math.nan
    return summary


# --- Tables ------------------------------------------------------------------------------------------------------


def markdown_table(rows: Mapping[str, Mapping[str, float]], columns: Iterable[str], digits: int = 4,
                   corner: str = "setting") -> str:
    """A markdown table: one row per key of ``rows``, one column per name in ``columns``."""
    cols = list(columns)
    lines = ["| " + " | ".join([corner, *cols]) + " |", "|" + "---|" * (len(cols) + 1)]
    for name, values in rows.items():
        cells = [f"{values[c]:.{digits}f}" if c in values else "" for c in cols]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return "\n".join(lines)


def _main() -> None:
    from olp.evaluation.baselines import fixed_window_topics
    from olp.profiles import PROFILES

    table = longbench_table()

    def window(sentences: list[Sentence], profile: str, stream: str) -> list[dict[str, Any]]:
        return fixed_window_topics(sentences, 300, PROFILES[profile].aspect_labels, stream=stream, profile=profile)

    for setting, res in evaluate_longbench(window).items():
        table[setting]["fixed-300"] = res["similarity"]
    print("LongBench-OLP similarity (authors' rule):\n")
    print(markdown_table(table, [*longbench.METHODS, "fixed-300"]))
    for split in ("train", "val", "all"):
        res = evaluate_qmsum(window, split=split)
        print(f"\nQMSum {split}: fixed-300 topic recall {res['topic_recall']:.4f}"
              f" (macro {res['topic_recall_macro']:.4f}),"
              f" {res['gold_topics']} gold topics, {res['predicted_topics']} predicted, {res['streams']} meetings")


if __name__ == "__main__":
    _main()
