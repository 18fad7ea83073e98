"""``olp bench judge``: does the local judge know what it judges? Its verdicts, against the OLP-MINI labels.

Each labelled OLP-MINI file is cut into chunks of the profile's size. On each chunk the local judge (the
``quality`` engine's ``judge`` task, exactly what Role-RL's board sends) rules on answers of several sources:

* topic finder: ``local-fast``, ``local-quality``, ``labels`` (the products present, named ``"name: price"``),
  ``random word`` (one word of the chunk that names no product there), ``none`` (no topic);
* topic locator, for each product with at least ``SUBSTANTIAL`` sentences in the chunk (topic: its label name):
  ``local-fast``, ``local-quality``, ``labels`` (its first and last id in the chunk), ``wrong span`` (another
  product's span there, else the longer stretch of the chunk beside the product), ``whole chunk``.

Truth, from the labels:

* a finder answer is right when every topic names a product present in the chunk (one of its sentences is
  there) and every product with at least ``SUBSTANTIAL`` sentences in the chunk is named by some topic. A topic
  names a product when their names share a number (both have numbers: "wig number 9" is not "wig number 13")
  or, when one has none, a content word (English) or a two-character run (Chinese); label notes in brackets and
  prices are left out;
* a locator span is right when the chunk's sentences inside it and the product's sentences in the chunk have
  IoU >= 0.5.

The judge's evidence rules (``olp.engines.judge``) were written while reading ``DEVELOPMENT_FILES`` only; the
``held-out`` rows count the files of the other live streams (``streams.json``), never read while writing them.

Agreement is the share of verdicts equal to the truth; it is also given on right answers (verdict "correct")
and on wrong ones (verdict "wrong"), since a judge that always says "correct" scores the share of right answers.
"""

from __future__ import annotations

import argparse
import json
import re
import zlib
from typing import Any

SUBSTANTIAL = 3
#: The labelled files read while writing the judge's rules; their live streams are not held out.
DEVELOPMENT_FILES = ("EN004", "EN006", "EN008", "EN011", "CN004", "CN007", "CN015", "CN019")
FINDER_SOURCES = ("local-fast", "local-quality", "labels", "random word", "none")
LOCATOR_SOURCES = ("local-fast", "local-quality", "labels", "wrong span", "whole chunk")

_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_STOP = set("number link the a an and or with of for this that these those to in on at is it its by from our your "
            "size style new first second one two".split())
_CJK = re.compile(r"[\u4e00-\u9fff]+")


def _base(name: str) -> str:
    """A name without its price (after ':') and without bracketed notes."""
    name = re.split(r"[:：]", str(name), maxsplit=1)[0]
    return re.sub(r"[(（][^)）]*[)）]", " ", name)


def name_tokens(name: str) -> tuple[set[str], set[str]]:
    """(numbers, content tokens) of a product name; Chinese content tokens are character pairs."""
    base = _base(name).lower()
    nums = set(re.findall(r"\d+", base))
    words = re.findall(r"[a-z]+", base)
    nums |= {str(_NUMBER_WORDS[w]) for w in words if w in _NUMBER_WORDS}
    content = {w for w in words if len(w) >= 3 and w not in _STOP and w not in _NUMBER_WORDS}
    for run in _CJK.findall(re.sub(r"\d+\s*号\s*链接|号链接|链接", " ", base)):
        content |= {run[i:i + 2] for i in range(len(run) - 1)} or {run}
    return nums, content


def names_product(topic: str, product: str) -> bool:
    """Whether a topic names a labelled product (see the module docstring)."""
    (tn, tc), (pn, pc) = name_tokens(topic), name_tokens(product)
    if tn and pn:
        return bool(tn & pn)
    return bool(tc & pc)


def finder_right(topics: list[str], present: list[str], substantial: list[str]) -> bool:
    return (all(any(names_product(t, p) for p in present) for t in topics)
            and all(any(names_product(t, p) for t in topics) for p in substantial))


def span_right(first: int, last: int, chunk_ids: list[int], product_ids: set[int]) -> bool:
    lo, hi = min(first, last), max(first, last)
    got = {i for i in chunk_ids if lo <= i <= hi}
    union = got | product_ids
    return bool(union) and len(got & product_ids) / len(union) >= 0.5


def _random_word(texts: list[str], names: list[str], zh: bool, seed: int) -> str:
    used = set().union(*(name_tokens(n)[1] for n in names)) if names else set()
    if zh:
        pool = sorted({r[i:i + 2] for t in texts for r in _CJK.findall(t) for i in range(len(r) - 1)} - used)
    else:
        pool = sorted({w for t in texts for w in re.findall(r"[a-z]{4,}", t.lower())} - used - _STOP)
    return pool[seed % len(pool)] if pool else "thing"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--files", type=int, default=None, help="labelled files per language (default: all)")
    p.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of a table")


def run(args: argparse.Namespace) -> int:
    from olp.bench.common import emit
    from olp.bench.olp_mini import labelled_files

    langs = ("en", "zh") if args.lang == "both" else (args.lang,)
    result = measure({lang: labelled_files(lang, args.files) for lang in langs}, workers=args.workers)
    emit(args, table(result), {"benchmark": "judge", **result})
    return 0


def _label_name(p) -> str:
    base = re.sub(r"\s+", " ", _base(p.name)).strip() or p.name
    return f"{base}: {p.price}" if p.price else base


def judge_file(job: tuple) -> list[dict[str, Any]]:
    """Every (role, source, right, verdict) case of one labelled file (a worker process's unit of work)."""
    from olp.bench.olp_mini import _sentences, transcript
    from olp.engines import get_engine
    from olp.profiles import get_profile

    lang, name = job
    profile = get_profile(f"ecommerce-{lang}")
    sents = _sentences(lang, name)
    t = transcript(lang, name, [s.id for s in sents])
    fast, quality = get_engine("fast"), get_engine("quality")
    size = profile.chunk_size
    cases: list[dict[str, Any]] = []

    def verdict(role: str, inp: dict[str, Any], ans: dict[str, Any]) -> bool:
        out = quality.answer({"task": "judge", "role": role, "profile": profile.name, "input": inp,
                              "answer": json.dumps(ans, ensure_ascii=False)})
        return bool(out.get("correct"))

    for start in range(0, len(sents), size):
        chunk = sents[start:start + size]
        ids = [s.id for s in chunk]
        rows = [[s.id, s.text] for s in chunk]
        idset = set(ids)
        inside = [(p, p.ids & idset) for p in t.products if p.ids & idset]
        present = [_label_name(p) for p, _ in inside]
        substantial = [_label_name(p) for p, got in inside if len(got) >= SUBSTANTIAL]
        inp = {"sentences": rows}
        task = {"task": "topic_finder", "profile": profile.name, **inp}
        seed = zlib.crc32(name.encode()) + start
        word = _random_word([s.text for s in chunk], present, profile.language == "zh", seed)
        answers = {"local-fast": fast.answer(task), "local-quality": quality.answer(task),
                   "labels": {"topics": present}, "random word": {"topics": [word]}, "none": {"topics": []}}
        for source, ans in answers.items():
            cases.append({"role": "topic_finder", "source": source, "lang": lang, "stream": t.stream, "file": name,
                          "right": finder_right(list(ans["topics"]), present, substantial),
                          "verdict": verdict("topic_finder", inp, ans)})
        for k, (p, got) in enumerate(inside):
            if len(got) < SUBSTANTIAL:
                continue
            topic = present[k]
            linp = {"topic": topic, "other_topics": [n for n in present if n != topic], "sentences": rows}
            ltask = {"task": "topic_locator", "profile": profile.name, **linp}
            spans = {"local-fast": fast.answer(ltask), "local-quality": quality.answer(ltask),
                     "labels": {"first": min(got), "last": max(got)},
                     "wrong span": _wrong_span(ids, got, [g for q, g in inside if q is not p]),
                     "whole chunk": {"first": ids[0], "last": ids[-1]}}
            for source, ans in spans.items():
                if ans is None:
                    continue
                cases.append({"role": "topic_locator", "source": source, "lang": lang, "stream": t.stream, "file": name,
                              "right": span_right(int(ans["first"]), int(ans["last"]), ids, set(got)),
                              "verdict": verdict("topic_locator", linp, ans)})
    return cases


def _wrong_span(ids: list[int], got: set[int], others: list[set[int]]) -> dict[str, int] | None:
    if others:
        other = max(others, key=len)
        return {"first": min(other), "last": max(other)}
    before = [i for i in ids if i < min(got)]
    after = [i for i in ids if i > max(got)]
    side = max(before, after, key=len)
    return {"first": side[0], "last": side[-1]} if side else None


def summarize(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement per role (overall, on right answers, on wrong answers) and per source."""
    out: dict[str, Any] = {}
    for role in ("topic_finder", "topic_locator"):
        mine = [c for c in cases if c["role"] == role]
        entry = _rates(mine)
        entry["sources"] = {s: _rates([c for c in mine if c["source"] == s])
                            for s in dict.fromkeys(c["source"] for c in mine)}
        out[role] = entry
    return out


def _rates(cases: list[dict[str, Any]]) -> dict[str, Any]:
    def share(xs: list[bool]) -> float:
        return sum(xs) / len(xs) if xs else float("nan")

    right = [c for c in cases if c["right"]]
    wrong = [c for c in cases if not c["right"]]
    return {"n": len(cases), "right_share": share([c["right"] for c in cases]),
            "said_correct": share([c["verdict"] for c in cases]),
            "agreement": share([c["verdict"] == c["right"] for c in cases]),
            "agreement_on_right": share([c["verdict"] for c in right]),
            "agreement_on_wrong": share([not c["verdict"] for c in wrong])}


def measure(files: dict[str, list[str]], workers: int = 2) -> dict[str, Any]:
    """The judge's agreement with the labels over the given files (per language and both)."""
    from olp.bench.olp_mini import _pool_map

    jobs = [(lang, name) for lang, names in files.items() for name in names]
    cases = [c for part in _pool_map(judge_file, jobs, workers) for c in part]
    result = {"all": summarize(cases)}
    for lang in files:
        result[lang] = summarize([c for c in cases if c["lang"] == lang])
    dev_streams = {c["stream"] for c in cases if c["file"] in DEVELOPMENT_FILES}
    result["held-out"] = summarize([c for c in cases if c["stream"] not in dev_streams])
    result["held_out_files"] = sorted({c["file"] for c in cases if c["stream"] not in dev_streams})
    result["cases"] = len(cases)
    return result


def table(result: dict[str, Any]) -> str:
    """The markdown table of ``measure``'s result."""
    from olp.bench.common import md_table

    rows = []
    for role in ("topic_finder", "topic_locator"):
        for source, r in result["all"][role]["sources"].items():
            rows.append([role, source, r["n"], r["right_share"], r["said_correct"], r["agreement"]])
        r = result["all"][role]
        rows.append([role, "**all**", r["n"], r["right_share"], r["said_correct"], r["agreement"]])
    header = ["role", "answer", "answers", "right (labels)", "judge says correct", "agreement"]
    lines = [md_table(header, rows), ""]
    splits = [k for k in ("all", "en", "zh", "held-out") if k in result]
    split_rows = [[role, k, result[k][role]["n"], result[k][role]["agreement"], result[k][role]["agreement_on_right"],
                   result[k][role]["agreement_on_wrong"]] for role in ("topic_finder", "topic_locator") for k in splits]
    lines.append(md_table(["role", "files", "answers", "agreement", "on right answers", "on wrong answers"],
                          split_rows))
    lines.append(f"\nheld-out: {len(result.get('held_out_files', []))} files of live streams not read while writing "
                 "the judge's rules")
    return "Local judge (local-quality) against the labels\n\n" + "\n".join(lines)
