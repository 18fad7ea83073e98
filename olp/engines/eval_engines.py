"""Measure the local engines alone (no pipeline): topic spans on QMSum, news segmentation and organisation on
LongBench-OLP, products named on OLP-MINI EN001/CN001, and speed per role.

    python -m olp.engines.eval_engines [--engines fast,quality] [--chunk 60] [--only qmsum,longbench,mini,speed]

Every answer is checked with the lead's role parser. Two modes of segmentation are reported: ``whole`` (the finder
and locator see the whole transcript at once) and ``online`` (chunks of ``--chunk`` sentences with the engine's
chunk splitter carrying the open topic, neighbours merged by the engine's relationship checker: a small stand-in
for the pipeline). Data come from ``olp.settings.data_dir()``; missing data sets are skipped.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from olp.settings import data_dir, olp_mini_dir

Rows = list[tuple[int, str]]


def _engine(name: str):
    from olp.engines import get_engine

    return get_engine(name)


def ask(engine: str, task: str, profile: str, **fields: Any) -> dict[str, Any]:
    """An engine's answer to one task, round-tripped through JSON as the provider sends it."""
    return json.loads(json.dumps(_engine(engine).answer({"task": task, "profile": profile, **fields}),
                                 ensure_ascii=False))


# --- segmentation through finder + locator ---------------------------------------------------------------------


def segments_whole(engine: str, rows: Rows, profile: str) -> list[tuple[str, int, int]]:
    payload_rows = [[i, t] for i, t in rows]
    topics = ask(engine, "topic_finder", profile, sentences=payload_rows)["topics"]
    out = []
    for name in topics:
        others = [t for t in topics if t != name]
        span = ask(engine, "topic_locator", profile, topic=name, other_topics=others, sentences=payload_rows)
        out.append((name, span["first"], span["last"]))
    return out


def segments_online(engine: str, rows: Rows, profile: str, chunk: int = 60, max_carry: int = 30,
                    ) -> list[tuple[str, int, int]]:
    """A small stand-in for the pipeline: chunk, find, locate, merge neighbours, carry the open topic."""
    emitted: list[tuple[str, int, int]] = []
    pos_of = {sid: k for k, (sid, _) in enumerate(rows)}
    start = 0
    while start < len(rows):
        buf = rows[start : start + chunk]
        end_pos = start + len(buf)
        topics = segments_whole(engine, buf, profile)
        topics.sort(key=lambda t: (t[2], t[1]))
        topics = _merge_neighbours(engine, topics, rows, pos_of, profile)
        # tiling: each topic ends where the next begins
        tiled = []
        for k, (n, a, b) in enumerate(topics):
            nb = topics[k + 1][1] if k + 1 < len(topics) else buf[-1][0]
            nb_pos = pos_of[nb] - 1 if k + 1 < len(topics) else pos_of[nb]
            tiled.append((n, a, rows[max(pos_of[b], nb_pos)][0] if nb_pos >= pos_of[a] else b))
        if end_pos >= len(rows):
            emitted.extend(tiled)
            break
        split = ask(engine, "chunk_splitter", profile,
                    topics=[{"name": n, "span": [a, b]} for n, a, b in tiled], chunk_end=buf[-1][0],
                    sentences=[[i, t] for i, t in buf[-max(10, chunk // 3):]])["next_start"]
        if split is None:
            emitted.extend(tiled)
            start = end_pos
            continue
        nxt = max(pos_of[split], end_pos - max_carry, start + 1)
        emitted.extend((n, a, min(b, rows[nxt - 1][0])) for n, a, b in tiled if pos_of[a] < nxt)
        start = nxt
    return _merge_neighbours(engine, emitted, rows, pos_of, profile)


def _merge_neighbours(engine, topics, rows, pos_of, profile):
    out: list[tuple[str, int, int]] = []
    for t in topics:
        if out:
            a, b = out[-1], t
            sample = lambda x: [[i, s] for i, s in rows[pos_of[x[1]] : pos_of[x[2]] + 1]][:40]  # noqa: E731
            ans = ask(engine, "relationship_checker", profile,
                      a={"name": a[0], "span": [a[1], a[2]], "sentences": sample(a)},
                      b={"name": b[0], "span": [b[1], b[2]], "sentences": sample(b)})
            if ans.get("same"):
                out[-1] = (ans.get("name") or a[0], min(a[1], b[1]), max(a[2], b[2]))
                continue
        out.append(t)
    return out


def fixed_window(rows: Rows, words: int = 300) -> list[tuple[str, int, int]]:
    """The baseline: a new topic every ``words`` words (Chinese words counted with jieba)."""
    from olp.engines import text as T

    out, cur, count = [], [], 0
    for sid, text in rows:
        cur.append(sid)
        count += len([w for w in T.zh_words(text) if w.strip() and w.isalnum()]) if T.is_zh(text) else len(text.split())
        if count >= words:
            out.append(("window", cur[0], cur[-1]))
            cur, count = [], 0
    if cur:
        out.append(("window", cur[0], cur[-1]))
    return out


def recall_at_iou(gold: list[set[int]], pred: list[tuple[str, int, int]], rows: Rows, thr: float = 0.5) -> float:
    order = [sid for sid, _ in rows]
    pos = {sid: k for k, sid in enumerate(order)}
    pred_sets = [set(order[pos[a] : pos[b] + 1]) for _, a, b in pred if a in pos and b in pos]
    hit = 0
    for g in gold:
        if any(len(g & p) / len(g | p) >= thr for p in pred_sets if g | p):
            hit += 1
    return hit / len(gold) if gold else 0.0


# --- data ------------------------------------------------------------------------------------------------------


def qmsum_meetings(split: str = "val"):
    for path in sorted((data_dir() / "qmsum" / split).glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        rows = [(i, f"{t['speaker']}: {t['content']}") for i, t in enumerate(d["meeting_transcripts"])]
        gold = []
        for topic in d["topic_list"]:
            ids: set[int] = set()
            for a, b in topic["relevant_text_span"]:
                ids.update(range(int(a), int(b) + 1))
            gold.append(ids)
        yield path.stem, rows, gold


def read_pairs(path: Path) -> Rows:
    return [(int(i), str(t)) for i, t in ast.literal_eval(path.read_text(encoding="utf-8").strip())]


def longbench_sets():
    from olp.evaluation.checked_text import parse_checked_text
    from olp.profiles import get_profile

    root = data_dir() / "longbench-olp"
    for task, profile in (("multi_news", "news-en"), ("lsht", "news-zh")):
        path = root / f"{task}_sampling_10.txt"
        ref = root / f"{task}_sampling_10_checked.txt"
        if path.exists() and ref.exists():
            labels = get_profile(profile).aspect_labels
            topics = parse_checked_text(ref.read_text(encoding="utf-8"), labels)
            yield task, profile, read_pairs(path), ref.read_text(encoding="utf-8"), topics


# --- reports ---------------------------------------------------------------------------------------------------


def eval_qmsum(engines: list[str], chunk: int) -> dict[str, Any]:
    meetings = list(qmsum_meetings())
    if not meetings:
        return {"skipped": "no QMSum data"}
    res: dict[str, Any] = {"meetings": len(meetings)}
    res["fixed_window_300w"] = _mean(recall_at_iou(g, fixed_window(r), r) for _, r, g in meetings)
    for e in engines:
        t = time.perf_counter()
        res[f"{e}_whole"] = _mean(recall_at_iou(g, segments_whole(e, r, "meeting-en"), r) for _, r, g in meetings)
        res[f"{e}_online"] = _mean(
            recall_at_iou(g, segments_online(e, r, "meeting-en", chunk), r) for _, r, g in meetings)
        res[f"{e}_seconds"] = round(time.perf_counter() - t, 2)
    return res


def _mean(xs) -> float:
    xs = list(xs)
    return round(sum(xs) / len(xs), 4) if xs else 0.0


def eval_longbench(engines: list[str], chunk: int) -> dict[str, Any]:
    import Levenshtein

    from olp.evaluation.checked_text import write_checked_text
    from olp.profiles import get_profile

    out: dict[str, Any] = {}
    for task, profile, rows, ref_text, ref_topics in longbench_sets():
        labels = get_profile(profile).aspect_labels
        gold = [set(t.ids) for t in ref_topics]
        text_of = dict(rows)
        res: dict[str, Any] = {"reference_topics": len(gold)}
        res["fixed_window_300w_recall"] = round(recall_at_iou(gold, fixed_window(rows), rows), 4)
        ref_norm = ref_text.replace("\r\n", "\n")

        def similarity(segs, engine):
            docs = []
            for name, a, b in segs:
                seg = [(i, t) for i, t in rows if a <= i <= b]
                org = ask(engine, "content_organizer", profile, topic=name, sentences=[[i, t] for i, t in seg])
                docs.append({"topic": name, "aspects": {k: [{"id": i, "text": text_of[i]} for i in v]
                                                        for k, v in org["aspects"].items()}})
            out_text = write_checked_text(docs, labels)
            a, b = ref_norm, out_text
            if task == "multi_news":
                a, b = a.replace("-", ""), b.replace("-", "")
            return round(1 - Levenshtein.distance(a, b) / max(len(a), len(b)), 4)

        res["fixed_window_300w_similarity"] = similarity(
            [(f"window {k + 1}", a, b) for k, (_, a, b) in enumerate(fixed_window(rows))], engines[-1])
        for e in engines:
            whole = segments_whole(e, rows, profile)
            online = segments_online(e, rows, profile, chunk)
            res[f"{e}_whole_recall"] = round(recall_at_iou(gold, whole, rows), 4)
            res[f"{e}_online_recall"] = round(recall_at_iou(gold, online, rows), 4)
            res[f"{e}_online_topics"] = len(online)
            res[f"{e}_online_similarity"] = similarity(online, e)
            res[f"{e}_organizer_accuracy_on_reference_topics"] = _organizer_accuracy(e, profile, ref_topics, text_of)
        out[task] = res
    return out or {"skipped": "no LongBench-OLP data"}


def _organizer_accuracy(engine, profile, ref_topics, text_of) -> float:
    right = total = 0
    for t in ref_topics:
        ids = [i for i in t.ids if i in text_of]
        ans = ask(engine, "content_organizer", profile, topic=t.title, sentences=[[i, text_of[i]] for i in ids])
        got = {i: k for k, v in ans["aspects"].items() for i in v}
        for aspect, items in t.aspects.items():
            for i, _ in items:
                if i in got:
                    total += 1
                    right += got[i] == aspect
    return round(right / total, 4) if total else 0.0


#: What the hosts sell, read off the transcripts: EN001's wig numbers said with a price; CN001's tea.
MINI_EXPECTED = {"EN001": ["13", "21", "52", "18", "42", "5", "51"], "CN001": ["大鱼海棠"]}


def eval_mini(engines: list[str], chunk: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for stem, sub, profile in (("EN001", "EN_", "ecommerce-en"), ("CN001", "CN_", "ecommerce-zh")):
        path = olp_mini_dir() / sub / f"{stem}.txt"
        if not path.exists():
            continue
        rows = read_pairs(path)
        for e in engines:
            segs = segments_online(e, rows, profile, chunk)
            names = [n for n, _, _ in segs]
            found = [x for x in MINI_EXPECTED[stem] if any(_names_product(n, x) for n in names)]
            out[f"{stem}_{e}"] = {"topics": names, "expected_found": f"{len(found)}/{len(MINI_EXPECTED[stem])}"}
    return out or {"skipped": "no OLP-MINI data"}


def _names_product(name: str, expected: str) -> bool:
    if expected.isdigit():
        return bool(re.search(rf"number {expected}\b", name))
    return expected in name


def eval_speed(engines: list[str], chunk: int, repeat: int = 5) -> dict[str, Any]:
    """Sentences per second through each role: the engine called directly (cold: no cached derivation) and the
    same payloads through ``litellm.acompletion`` (provider overhead and token counting included)."""
    import asyncio

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from olp.engines import register
    from olp.engines.engine import _derive

    register()
    samples = []
    for sub, stem, profile in (("EN_", "EN001", "ecommerce-en"), ("CN_", "CN001", "ecommerce-zh")):
        p = olp_mini_dir() / sub / f"{stem}.txt"
        if p.exists():
            samples.append((profile, read_pairs(p)))
    meetings = list(qmsum_meetings())
    if meetings:
        samples.append(("meeting-en", meetings[0][1]))
    for task, profile, rows, _, _ in longbench_sets():
        samples.append((profile, rows))
    tasks = ("topic_finder", "topic_locator", "relationship_checker", "content_organizer", "format_checker",
             "chunk_splitter")
    payloads = {t: [({"task": t, "profile": prof, **_fields(t, [[i, x] for i, x in rows[c : c + chunk]])},
                     len(rows[c : c + chunk])) for prof, rows in samples for c in range(0, len(rows), chunk)]
                for t in tasks}

    async def run() -> dict[str, Any]:
        import litellm

        out: dict[str, Any] = {}
        for e in engines:
            for t in tasks:  # warm-up: jieba's dictionary, numpy, litellm's first-call setup
                for payload, _ in payloads[t][:3] + payloads[t][-3:]:
                    _engine(e).answer(payload)
                    msgs = [{"role": "user", "content": "<olp-input>\n" + json.dumps(payload) + "\n</olp-input>"}]
                    await litellm.acompletion(model=f"olp-local/{e}", messages=msgs)
            for t in tasks:
                n_sent = sum(n for _, n in payloads[t])
                secs = lit = 0.0
                for payload, _ in payloads[t]:
                    for _ in range(repeat):
                        _derive.cache_clear()
                        t0 = time.perf_counter()
                        _engine(e).answer(payload)
                        secs += (time.perf_counter() - t0) / repeat
                    msgs = [{"role": "user", "content": "<olp-input>\n" + json.dumps(payload, ensure_ascii=False)
                             + "\n</olp-input>"}]
                    _derive.cache_clear()
                    t0 = time.perf_counter()
                    await litellm.acompletion(model=f"olp-local/{e}", messages=msgs)
                    lit += time.perf_counter() - t0
                out[f"{e}/{t}"] = {"engine_sent_per_s": round(n_sent / secs), "litellm_sent_per_s": round(n_sent / lit),
                                   "ms_per_call_litellm": round(1000 * lit / len(payloads[t]), 2)}
        return out

    return asyncio.run(run())


def _fields(task: str, buf: list[list[Any]]) -> dict[str, Any]:
    ids = [r[0] for r in buf]
    half = len(buf) // 2
    if task == "topic_finder":
        return {"sentences": buf}
    if task == "topic_locator":
        return {"topic": "number 13: $83", "other_topics": ["number 21"], "sentences": buf}
    if task == "relationship_checker":
        return {"a": {"name": "first", "span": [ids[0], ids[half - 1]], "sentences": buf[:half]},
                "b": {"name": "second", "span": [ids[half], ids[-1]], "sentences": buf[half:]}}
    if task == "content_organizer":
        return {"topic": "number 13: $83", "sentences": buf}
    if task == "format_checker":
        return {"document": {"topic": "t", "aspects": {"Price": ids[::3]}}, "allowed": ids}
    return {"topics": [{"name": "t", "span": [ids[0], ids[-1]]}], "chunk_end": ids[-1], "sentences": buf[-20:]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="fast,quality")
    ap.add_argument("--chunk", type=int, default=60)
    ap.add_argument("--only", default="qmsum,longbench,mini,speed")
    args = ap.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]
    report: dict[str, Any] = {}
    for part, fn in (("qmsum", eval_qmsum), ("longbench", eval_longbench), ("mini", eval_mini),
                     ("speed", eval_speed)):
        if part in args.only.split(","):
            report[part] = fn(engines, args.chunk)
            print(json.dumps({part: report[part]}, ensure_ascii=False, indent=1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
