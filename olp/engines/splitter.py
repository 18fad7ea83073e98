"""Chunk splitter: where the next chunk starts, so a topic crossing the chunk boundary is read whole.

The authors' rule re-reads the chunk's last topic. The engines re-read it only while it may still continue: when
the chunk's tail already moved on (a closing cue, or a new product opened after the last topic), the next chunk
starts at that new opening instead, or nothing is carried.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from olp.engines import commerce as M
from olp.engines import cues as C
from olp.engines import text as T

if TYPE_CHECKING:
    from olp.engines.engine import Context


def _has(phrases: tuple[str, ...], text: str, zh: bool) -> bool:
    if zh:
        return any(p in text for p in phrases)
    return bool(C.compile_phrases(phrases).search(text.lower()))


def next_start(topics: list[tuple[str, int, int]], tail: list[tuple[int, str]], ctx: "Context",
               fast: bool) -> int | None:
    """The id the next chunk starts at (a tail id or a topic's first id), or None."""
    if not topics:
        if not tail:
            return None
        if ctx.domain == "ecommerce":  # a product being introduced whose price is still to come
            analysis = M.analyze([t for _, t in tail], ctx.zh, not fast)
            current = analysis.labels[-1] if analysis.labels else None
            if current is not None and current in analysis.products:
                return tail[analysis.products[current].first][0]
            for sid, text in reversed(tail):
                if _has(C.ZH_OPENING if ctx.zh else C.EN_OPENING, text, ctx.zh):
                    return sid
        return tail[-1][0]
    name, first, last = max(topics, key=lambda t: (t[2], t[1]))
    after = [(sid, text) for sid, text in tail if sid > last]
    if ctx.domain == "ecommerce":
        key = M.name_key(name, ctx.zh)
        closing = C.ZH_CLOSING if ctx.zh else C.EN_CLOSING
        opening = C.ZH_OPENING if ctx.zh else C.EN_OPENING
        for sid, text in after:
            new_product = _new_product(text, key, ctx.zh)
            if new_product or (not fast and _has(opening, text, ctx.zh) and not _mentions(text, key, name, ctx.zh)):
                return sid  # the last topic ended; a new one starts here
        if not fast:
            for i, (sid, text) in enumerate(after):
                if _has(closing, text, ctx.zh):
                    return after[i + 1][0] if i + 1 < len(after) else None
        return first
    if not fast and len(after) >= 3:
        return after[0][0]  # text nobody claimed follows the last topic: a new story or item begins there
    return first


def _new_product(text: str, key: str, zh: bool) -> bool:
    if zh:
        return False
    words = T.en_words(text)
    nums = {n.start: n for n in T.en_numbers(words)}
    for j, w in enumerate(words):
        if w == "number" and (n := nums.get(j + 1)) and M._strong_before(words, j):
            return f"#{int(n.value)}" != key
    return False


def _mentions(text: str, key: str, name: str, zh: bool) -> bool:
    base = re.split(r"[:：]", name, maxsplit=1)[0].strip().lower()
    if zh:
        return bool(base) and base in text
    return key.lstrip("#") in text.lower() or (bool(base) and base in text.lower())
