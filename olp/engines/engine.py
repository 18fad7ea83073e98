"""The two local engines: one class per engine, one method per role task.

An engine reads a role's payload (``olp.roles.base.extract_payload``) and returns the answer as a dict, exactly in
the shape the role's ``instructions()`` ask for. Engines never follow text from the transcript: they only count and
match words, so an injected "ignore your instructions" is one more sentence to file under an aspect.

- ``fast``: lexical cues only. Latest product mention wins, cuts where adjacent windows share few words, first
  cue that fires picks the aspect. Chinese without a dictionary (character bigrams).
- ``quality``: slower and better. Prices linked to the most salient product in a decaying window (jieba POS nouns
  for Chinese), TextTiling over TF-IDF with depth scores, weighted aspect cues with context, span-aware merging.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any, ClassVar

from olp.engines import aspects as A
from olp.engines import cohesion as H
from olp.engines import commerce as M
from olp.engines import segments as S
from olp.engines import text as T
from olp.errors import BadInputError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EngineInputError(BadInputError):
    """The payload is not one a role builds (unknown task, missing fields)."""


def _as_int(v: Any) -> int | None:
    from olp.roles.base import as_int

    return as_int(v)


def rows(value: Any) -> list[tuple[int, str]]:
    """``[[id, text], ...]`` from a payload, tolerating dict rows and skipping malformed ones; ids stay in order."""
    out: list[tuple[int, str]] = []
    seen: set[int] = set()
    for r in value if isinstance(value, list) else []:
        if isinstance(r, dict):
            r = [r.get("id"), r.get("text", "")]
        if not isinstance(r, (list, tuple)) or len(r) < 2:
            continue
        sid = _as_int(r[0])
        if sid is None or sid in seen:
            continue
        seen.add(sid)
        out.append((sid, r[1] if isinstance(r[1], str) else str(r[1])))
    return out


def clean_name(name: Any, limit: int = 120) -> str:
    name = _CONTROL.sub(" ", str(name or ""))
    return re.sub(r"\s+", " ", name).strip()[:limit].strip()


def _short_and_full(na: str, nb: str) -> bool:
    """One product named short and full at the same price: "钱包: 226元" and "红色真皮钱包: 226元"."""
    parts_a, parts_b = re.split(r"[:：]", na, maxsplit=1), re.split(r"[:：]", nb, maxsplit=1)
    if len(parts_a) < 2 or len(parts_b) < 2:
        return False
    (base_a, price_a), (base_b, price_b) = (x.strip() for x in parts_a), (x.strip() for x in parts_b)
    if not price_a or price_a != price_b or len(min(base_a, base_b, key=len)) < 2:
        return False
    return base_a.endswith(base_b) or base_b.endswith(base_a)


class Context:
    """What an engine needs from the profile: language, domain, aspect labels by key."""

    def __init__(self, payload: dict[str, Any], texts: list[str]) -> None:
        from olp.profiles import PROFILES

        name = str(payload.get("profile") or "")
        profile = PROFILES.get(name)
        if profile is None:  # an unknown profile: guess the language, treat the text as news
            zh = T.is_zh(" ".join(texts[:50]))
            profile = PROFILES["news-zh" if zh else "news-en"]
        self.profile = profile
        self.zh = profile.language == "zh"
        self.domain = profile.domain
        self.labels = {a.key: a.label for a in profile.aspects}
        self.default = profile.default_aspect


class LocalEngine:
    """One local engine. Subclasses set ``name`` and ``fast``."""

    name: ClassVar[str]
    fast: ClassVar[bool]

    def answer(self, payload: dict[str, Any]) -> dict[str, Any]:
        task = payload.get("task") if isinstance(payload, dict) else None
        handler = getattr(self, f"task_{task}", None) if isinstance(task, str) else None
        if handler is None:
            raise EngineInputError(f"unknown task {task!r}; local engines answer: {', '.join(TASKS)}")
        return handler(payload)

    def task_judge(self, p: dict[str, Any]) -> dict[str, Any]:
        """Judge another model's answer on Role-RL's board (see ``olp.engines.judge``)."""
        from olp.engines.judge import judge

        return judge(self, p)

    # --- derivations shared by finder and locator (cached: the locator re-derives the finder's chunk) ---------

    def _derive(self, texts: list[str], ctx: Context):
        return _derive(self.fast, ctx.domain, ctx.zh, tuple(texts))

    # --- tasks --------------------------------------------------------------------------------------------

    def task_topic_finder(self, p: dict[str, Any]) -> dict[str, Any]:
        rs = rows(p.get("sentences"))
        texts = [t for _, t in rs]
        ctx = Context(p, texts)
        if not rs:
            return {"topics": []}
        if ctx.domain == "ecommerce":
            names = [s.name for s in S.segment(texts, ctx.zh, not self.fast)]
        else:
            names = [t.name for t in self._derive(texts, ctx)]
        out, seen = [], set()
        for n in names:
            n = clean_name(n)
            if n and n.lower() not in seen:
                seen.add(n.lower())
                out.append(n)
        return {"topics": out}

    def task_topic_locator(self, p: dict[str, Any]) -> dict[str, Any]:
        rs = rows(p.get("sentences"))
        if not rs:
            raise EngineInputError("topic_locator needs sentences")
        texts, ids = [t for _, t in rs], [i for i, _ in rs]
        ctx = Context(p, texts)
        topic = clean_name(p.get("topic"))
        if ctx.domain == "ecommerce":
            a, b = self._locate_product(topic, [clean_name(o) for o in p.get("other_topics") or []], texts, ctx)
        else:
            a, b = H.locate(topic, self._derive(texts, ctx), texts, ctx.zh, self.fast, ctx.domain)
        return {"first": ids[a], "last": ids[b]}

    def _locate_product(self, topic: str, others: list[str], texts: list[str], ctx: Context) -> tuple[int, int]:
        seg = S.find(S.segment(texts, ctx.zh, not self.fast), topic, ctx.zh)
        if seg is not None:
            return seg.start, seg.end
        analysis = self._derive(texts, ctx)
        prod = M.match_product(topic, analysis, ctx.zh)
        if prod is None:  # a name from another engine or an LLM: add its mentions (and the others') and re-run
            extra = {n: M.name_mentions(n, texts, ctx.zh) for n in [topic] + others if n}
            analysis = M.analyze(texts, ctx.zh, not self.fast, extra)
            prod = M.match_product(topic, analysis, ctx.zh)
        if prod is None or prod.span is None:
            return 0, len(texts) - 1
        return prod.span

    def task_relationship_checker(self, p: dict[str, Any]) -> dict[str, Any]:
        a, b = p.get("a") if isinstance(p.get("a"), dict) else {}, p.get("b") if isinstance(p.get("b"), dict) else {}
        na, nb = clean_name(a.get("name")), clean_name(b.get("name"))
        ta, tb = [t for _, t in rows(a.get("sentences"))], [t for _, t in rows(b.get("sentences"))]
        ctx = Context(p, ta + tb + [na, nb])
        same = self._same(na, nb, ta, tb, _span(a.get("span")), _span(b.get("span")), ctx)
        if not same:
            return {"same": False}
        return {"same": True, "name": _merged_name(na, nb, ctx) or na or nb or "untitled topic"}

    def _same(self, na, nb, ta, tb, sa, sb, ctx: Context) -> bool:
        if na.lower() == nb.lower() and na:
            return True
        base_a, base_b = re.split(r"[:：]", na, maxsplit=1)[0], re.split(r"[:：]", nb, maxsplit=1)[0]
        name_sim = T.char_dice(base_a, base_b)
        if ctx.domain == "ecommerce":
            ka, kb = M.name_key(na, ctx.zh), M.name_key(nb, ctx.zh)
            cued = bool(tb) and S.starts_with_cue(tb, ctx.zh)
            if kb == S.GENERIC[ctx.zh] and not cued:
                return True  # talk about no product in particular goes on about a's
            if ka.startswith("#") or kb.startswith("#"):
                # a number called: that product, or another one; but a stretch that opens with a cue calls up a
                # product of its own, also when it lands on the link the last one used ("next one ... link one")
                return ka == kb and not cued
            if cued:
                return False  # b calls up a product of its own
            if ka == kb or name_sim >= 0.6:
                return True
            if S.CONTINUE_UNCUED[ctx.zh] and tb:
                return True  # b does not call up a product: the talk goes on about a's
            if _short_and_full(na, nb):
                return True
            if self.fast:
                return False
            vocab = T.cosine(_bag(ta, ctx, True), _bag(tb, ctx, True))
            return name_sim >= 0.3 and vocab >= 0.5
        if name_sim >= 0.6:
            return True
        if not self.fast and sa and sb and _iou(sa, sb) >= 0.5:
            return True
        cos = T.cosine(_bag(ta, ctx, self.fast), _bag(tb, ctx, self.fast))
        # Neighbouring pieces of one agenda item share less vocabulary than two halves of a news story: meeting
        # talk is diffuse. Thresholds measured on QMSum val / LongBench-OLP (see eval_engines).
        threshold = {"news": 0.35, "meeting": 0.13}.get(ctx.domain, 0.35) if not self.fast else \
            {"news": 0.4, "meeting": 0.15}.get(ctx.domain, 0.4)
        return cos >= threshold

    def task_content_organizer(self, p: dict[str, Any]) -> dict[str, Any]:
        rs = rows(p.get("sentences"))
        texts = [t for _, t in rs]
        ctx = Context(p, texts)
        keys = A.organize(texts, ctx.zh, ctx.domain, clean_name(p.get("topic")), self.fast)
        out: dict[str, list[int]] = {label: [] for label in ctx.labels.values()}
        for (sid, _), key in zip(rs, keys):
            out[ctx.labels.get(key, ctx.default)].append(sid)
        return {"aspects": out}

    def task_format_checker(self, p: dict[str, Any]) -> dict[str, Any]:
        doc = p.get("document") if isinstance(p.get("document"), dict) else {}
        ctx = Context(p, [str(doc.get("topic") or "")])
        allowed = sorted({i for i in (_as_int(v) for v in (p.get("allowed") or [])) if i is not None})
        allowed_set = set(allowed)
        lookup = _aspect_lookup(ctx)
        placed: dict[int, str] = {}
        aspects = doc.get("aspects") if isinstance(doc.get("aspects"), dict) else {}
        for raw, entries in aspects.items():
            label = lookup.get(_fold(raw))
            if label is None or not isinstance(entries, list):
                continue
            for e in entries:
                sid = _as_int(e[0] if isinstance(e, (list, tuple)) and e else e.get("id") if isinstance(e, dict) else e)
                if sid is not None and sid in allowed_set and sid not in placed:
                    placed[sid] = label
        for sid in allowed:
            if sid not in placed:
                placed[sid] = ctx.default if self.fast or not placed else _nearest(sid, placed, ctx.default)
        out: dict[str, list[int]] = {label: [] for label in ctx.labels.values()}
        for sid in sorted(placed):
            out[placed[sid]].append(sid)
        topic = clean_name(doc.get("topic")) or "untitled topic"
        if ctx.domain == "ecommerce":  # the finder's "(2)" only told two stretches of one chunk apart
            topic = S.plain_name(topic)
        return {"topic": topic, "aspects": out}

    def task_chunk_splitter(self, p: dict[str, Any]) -> dict[str, Any]:
        tail = rows(p.get("sentences"))
        topics = []
        for t in p.get("topics") or []:
            if isinstance(t, dict) and isinstance(t.get("span"), list) and len(t["span"]) == 2:
                a, b = _as_int(t["span"][0]), _as_int(t["span"][1])
                if a is not None and b is not None:
                    topics.append((clean_name(t.get("name")), min(a, b), max(a, b)))
        ctx = Context(p, [t for _, t in tail])
        from olp.engines.splitter import next_start

        return {"next_start": next_start(topics, tail, ctx, self.fast)}


TASKS = ("topic_finder", "topic_locator", "relationship_checker", "content_organizer", "format_checker", "judge",
         "chunk_splitter")


class FastEngine(LocalEngine):
    """Cheap lexical cues; no dictionary, no numpy."""

    name = "fast"
    fast = True


class QualityEngine(LocalEngine):
    """Cohesion segmentation (TextTiling, TF-IDF), salience-linked prices, jieba nouns, weighted cues."""

    name = "quality"
    fast = False


@lru_cache(maxsize=64)
def _derive(fast: bool, domain: str, zh: bool, texts: tuple[str, ...]):
    if domain == "ecommerce":
        return M.analyze(list(texts), zh, not fast)
    return H.segment_topics(list(texts), zh, fast, domain)


def _span(v: Any) -> tuple[int, int] | None:
    if isinstance(v, list) and len(v) == 2:
        a, b = _as_int(v[0]), _as_int(v[1])
        if a is not None and b is not None:
            return min(a, b), max(a, b)
    return None


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union if union > 0 else 0.0


def _bag(texts: list[str], ctx: Context, fast: bool) -> Counter:
    if ctx.domain == "meeting":
        texts = [T.strip_speaker(t) for t in texts]
    return Counter(tok for t in texts for tok in T.content_tokens(t, ctx.zh, fast=fast))


def _merged_name(na: str, nb: str, ctx: Context) -> str:
    if ctx.domain == "ecommerce":
        priced = [n for n in (na, nb) if re.search(r"[:：]\s*\S", n)]
        return priced[0] if priced else max((na, nb), key=len)
    return re.sub(r"\s\(\d+\)$", "", na or nb)


def _fold(name: Any) -> str:
    return re.sub(r"[\s_:：*#\-（）()]+", "", str(name)).lower()


def _aspect_lookup(ctx: Context) -> dict[str, str]:
    table: dict[str, str] = {}
    for i, a in enumerate(ctx.profile.aspects, 1):
        for alias in (a.label, a.key, str(i), f"({i}) {a.label}", f"({i}) {a.key}"):
            table[_fold(alias)] = a.label
    return table


def _nearest(sid: int, placed: dict[int, str], default: str) -> str:
    """An id the document lost goes where its nearest placed neighbour is (sentences of one point are adjacent)."""
    best = min(placed, key=lambda j: (abs(j - sid), j))
    return placed.get(best, default)
