"""A local engine as a judge on Role-RL's advisory board.

The board's prompt carries ``{"task": "judge", "role", "profile", "input": <role payload>, "answer": <text>}``.
The engine answers ``{"correct": true}`` or ``{"correct": false, "corrected": <its own answer>}``.

Comparing with its own answer alone makes a rubber stamp: the judge then approves whatever the ``quality``
engine would have said, right or wrong (measured against the OLP-MINI hand labels, see ``olp bench olp-mini
--judge``). So for live commerce, finder and locator answers are checked against the chunk itself:

* topic finder: every topic must be a product named in the chunk (in at least ``MIN_MENTIONS`` sentences), not a
  generic word ("product", "商品"), with a price said within ``EVIDENCE_BEFORE``/``EVIDENCE_AFTER`` sentences of
  one of its mentions; an empty answer is wrong when the judge itself finds such a product;
* topic locator: the span must hold at least half of the topic's mentions in the chunk, and no more mentions of
  the other topics than of its own. A topic the chunk never mentions falls back to the comparison below.

A wrong answer gets the judge's own answer as the correction only when that passes the same check and differs;
otherwise none (a wrong verdict without a correction: Role-RL scores the answer wrong and keeps it).

A mention is a sentence with the name's number ("number 9", "#9", "9号") when it has one, else its most
specific word (English: the content word rarest in the chunk; Chinese: the rarest character pair of the name).

Other roles and domains compare with the judge's own answer, tolerantly, as a human judge would: topic lists agree
on most names, spans overlap (IoU >= 0.5), organizers place most sentences alike, splitters pick nearly the same
start.
"""

from __future__ import annotations

import re
from typing import Any

from olp.errors import BadModelOutputError

#: A product's price may be said this many sentences before or after a sentence that names it.
EVIDENCE_BEFORE, EVIDENCE_AFTER = 20, 20
#: A product is named in at least this many sentences of the chunk (a word said once is not a product on sale).
MIN_MENTIONS = 2

_GENERIC = {"product", "products", "item", "items", "thing", "things", "stuff", "this", "it", "one", "untitled topic",
            "商品", "产品", "宝贝", "东西", "这个", "那个", "链接"}
#: ASR often spells prices out with no currency word ("four hundred and thirty"): hundred/thousand count too
_EN_PRICE = re.compile(r"\$\s?\d|\d\s*(?:dollars?|bucks|usd)\b|\b(?:dollars?|bucks|pesos?|hundred|thousand)\b", re.I)
_ZH_PRICE = re.compile(r"[\d零一二两三四五六七八九十百千万]\s*(?:元|块|块钱)|[¥￥]\s*\d")
_NUM_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUM_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_ZH_DIGITS = "零一二三四五六七八九"
_EN_STOP = set("number link the a an and or with of for this that to in on at is it by our your size style "
               "new color colour price".split())
_CJK = re.compile(r"[\u4e00-\u9fff]+")


def judge(engine, payload: dict[str, Any]) -> dict[str, Any]:
    role = payload.get("role")
    inp = payload.get("input")
    if not isinstance(role, str) or not isinstance(inp, dict):
        from olp.engines.engine import EngineInputError

        raise EngineInputError('a judge payload needs "role" and an "input" object')
    profile = payload.get("profile")
    mine = engine.answer({**inp, "task": role, "profile": profile})
    try:
        from olp.roles.base import extract_json

        theirs = extract_json(str(payload.get("answer", "")))
    except BadModelOutputError:
        return {"correct": False, "corrected": mine}
    zh = str(profile or "").endswith("-zh")
    if str(profile or "").startswith("ecommerce") and role in EVIDENCE:
        ok, corrected = EVIDENCE[role](inp, mine, theirs, zh)
        if ok:
            return {"correct": True}
        return {"correct": False} if corrected is None else {"correct": False, "corrected": corrected}
    check = AGREE.get(role)
    if check is not None and check(mine, theirs):
        return {"correct": True}
    return {"correct": False, "corrected": mine}


# ---------------------------------------------------------------------- checks against the chunk (commerce)
def _texts(inp: dict[str, Any]) -> tuple[list[int], list[str]]:
    ids, texts = [], []
    for r in inp.get("sentences") or []:
        if isinstance(r, (list, tuple)) and len(r) >= 2 and isinstance(r[0], int):
            ids.append(r[0])
            texts.append(str(r[1]))
    return ids, texts


def _base(name: Any) -> str:
    base = re.split(r"[:：]", str(name), maxsplit=1)[0]
    return re.sub(r"[(（][^)）]*[)）]", " ", base).strip()


def _number(base: str, zh: bool) -> int | None:
    """The product number a name carries ("number 9", "#9", "wig 9", "3号链接"), if any."""
    low = base.lower()
    m = re.search(r"(\d+)\s*号", low) if zh else re.search(r"\d+", low)
    if m:
        return int(m.group(1) if zh else m.group())
    if not zh:
        for w in re.findall(r"[a-z]+", low):
            if w in _NUM_WORDS:
                return _NUM_WORDS[w]
    return None


def _has_number(text: str, n: int, zh: bool) -> bool:
    low = text.lower()
    if zh:
        forms = [str(n)] + ([_ZH_DIGITS[n]] if n < 10 else ["十" + (_ZH_DIGITS[n - 10] if n > 10 else "")]
                            if n < 20 else [])
        return any(re.search(re.escape(f) + r"\s*号", low) for f in forms)
    words = {str(n)} | {w for w, v in _NUM_WORDS.items() if v == n}
    return any(re.search(rf"(?:number|link|#|no\.?)\s*{re.escape(w)}\b", low) for w in words)


def _keys(base: str, zh: bool) -> list[str]:
    """The name's words (English) or character pairs (Chinese) that a mention may show."""
    if zh:
        runs = _CJK.findall(re.sub(r"\d+\s*号\s*链接|号链接|链接", " ", base))
        return [r[i:i + 2] for r in runs for i in range(len(r) - 1)] or runs
    return [w for w in re.findall(r"[a-z]+", base.lower()) if len(w) >= 3 and w not in _EN_STOP and w not in _NUM_WORDS]


def mentions(name: Any, texts: list[str], zh: bool) -> list[int]:
    """Indices of the sentences that mention a topic (see the module docstring); [] if none does."""
    base = _base(name)
    n = _number(base, zh)
    if n is not None:
        hits = [i for i, t in enumerate(texts) if _has_number(t, n, zh)]
        if hits:
            return hits
    low = [t.lower() for t in texts]
    best: list[int] = []
    for key in _keys(base, zh):
        pattern = re.compile(re.escape(key) if zh else rf"\b{re.escape(key)}")
        hits = [i for i, t in enumerate(low) if pattern.search(t)]
        if hits and (not best or len(hits) < len(best)):
            best = hits
    return best


def _priced_near(hits: list[int], texts: list[str], zh: bool) -> bool:
    price = _ZH_PRICE if zh else _EN_PRICE
    return any(price.search(t) for i in hits for t in texts[max(0, i - EVIDENCE_BEFORE):i + EVIDENCE_AFTER + 1])


def _said(key: str, texts: list[str], zh: bool) -> int:
    pattern = re.compile(re.escape(key) if zh else rf"\b{re.escape(key)}")
    return sum(1 for t in texts if pattern.search(t.lower()))


def _grounded(name: Any, texts: list[str], zh: bool) -> bool:
    """A product named in the chunk (in at least ``MIN_MENTIONS`` sentences), with a price said near a mention."""
    base = _base(name)
    if not base or base.lower() in _GENERIC:
        return False
    hits = mentions(name, texts, zh)
    if not hits:
        return False
    if len(hits) < MIN_MENTIONS and max((_said(k, texts, zh) for k in _keys(base, zh)), default=0) < MIN_MENTIONS:
        return False
    return _priced_near(hits, texts, zh)


def _topic_list(value: Any) -> list[str] | None:
    items = value.get("topics") if isinstance(value, dict) else value
    if not isinstance(items, list):
        return None
    return [str(x.get("name") if isinstance(x, dict) else x) for x in items if isinstance(x, (str, int, dict))]


def _finder_evidence(inp: dict[str, Any], mine: Any, theirs: Any, zh: bool) -> tuple[bool, Any]:
    _, texts = _texts(inp)
    own = _topic_list(mine) or []
    grounded = [_grounded(t, texts, zh) for t in own]
    # a correction only when the judge's own answer passes the same check (and differs)
    topics = _topic_list(theirs)
    corrected = mine if own and all(grounded) and own != topics else None
    if topics is None:
        return False, corrected
    if not topics:
        return not any(grounded), corrected
    return all(_grounded(t, texts, zh) for t in topics), corrected


def _span_ok(inp: dict[str, Any], span: tuple[int, int], ids: list[int], texts: list[str], own: list[int],
             zh: bool) -> bool:
    inside = {i for i, sid in enumerate(ids) if span[0] <= sid <= span[1]}
    own_set = set(own)
    if 2 * len(own_set & inside) < len(own_set):
        return False
    others: set[int] = set()
    for other in inp.get("other_topics") or []:
        others |= set(mentions(other, texts, zh))
    return len((others - own_set) & inside) <= len(own_set & inside)


def _locator_evidence(inp: dict[str, Any], mine: Any, theirs: Any, zh: bool) -> tuple[bool, Any]:
    ids, texts = _texts(inp)
    own = mentions(inp.get("topic"), texts, zh)
    span, own_span = _span(theirs), _span(mine)
    if not own:  # the chunk never names the topic: compare with the judge's own span
        return (span is not None and _locator(mine, theirs)), mine
    corrected = mine if own_span is not None and own_span != span and _span_ok(inp, own_span, ids, texts, own, zh) \
        else None
    return span is not None and _span_ok(inp, span, ids, texts, own, zh), corrected


EVIDENCE = {"topic_finder": _finder_evidence, "topic_locator": _locator_evidence}


# ---------------------------------------------------------------------- comparison with the judge's own answer
def _names(value: Any) -> set[str]:
    items = value.get("topics", []) if isinstance(value, dict) else value if isinstance(value, list) else []
    return {re.split(r"[:：]", str(x), maxsplit=1)[0].strip().lower() for x in items if isinstance(x, (str, int))}


def _finder(mine: Any, theirs: Any) -> bool:
    a, b = _names(mine), _names(theirs)
    return a == b or (bool(a | b) and len(a & b) / len(a | b) >= 0.5)


def _span(v: Any) -> tuple[int, int] | None:
    try:
        first, last = (v["first"], v["last"]) if isinstance(v, dict) else v[-2:]
        return min(int(first), int(last)), max(int(first), int(last))
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _locator(mine: Any, theirs: Any) -> bool:
    a, b = _span(mine), _span(theirs)
    if a is None or b is None:
        return False
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    union = max(a[1], b[1]) - min(a[0], b[0]) + 1
    return inter / union >= 0.5


def _checker(mine: Any, theirs: Any) -> bool:
    return isinstance(theirs, dict) and bool(mine.get("same")) == bool(theirs.get("same"))


def _placement(v: Any) -> dict[int, str]:
    aspects = v.get("aspects", v) if isinstance(v, dict) else {}
    out: dict[int, str] = {}
    for name, ids in aspects.items() if isinstance(aspects, dict) else ():
        for i in ids if isinstance(ids, list) else ():
            if isinstance(i, int):
                out.setdefault(i, str(name).lower())
    return out


def _organizer(mine: Any, theirs: Any) -> bool:
    a, b = _placement(mine), _placement(theirs)
    return bool(a) and sum(1 for i, x in a.items() if b.get(i) == x) / len(a) >= 0.8


def _splitter(mine: Any, theirs: Any) -> bool:
    a = mine.get("next_start") if isinstance(mine, dict) else None
    b = theirs.get("next_start") if isinstance(theirs, dict) else None
    return a == b or (isinstance(a, int) and isinstance(b, int) and abs(a - b) <= 3)


AGREE = {
    "topic_finder": _finder,
    "topic_locator": _locator,
    "relationship_checker": _checker,
    "content_organizer": _organizer,
    "format_checker": _organizer,
    "chunk_splitter": _splitter,
}
