"""Live-commerce segmentation: a chunk cut into stretches that each present one product.

A live show is a sequence of products: the host calls one up ("number thirteen", "link nineteen", "3号链接",
"next up is ...", "接下来给大家介绍"), talks about it for a while (what it is, what it costs, why buy it now) and
moves on. So the engines first find where the talk moves to another product, then name each stretch by the
product talked about most in it, with the price said in it:

1. **cues**: a product called by number, or a product noun right after an introducing phrase, starts a stretch
   when it is not the product already on;
2. **drift**: with no cue, the product the talk is about (the analysis' sticky per-sentence label) changing to
   another product that holds the talk for a while also starts a stretch;
3. stretches with no product evidence at all (greetings, thanks, a song) stay with the stretch before them,
   which is where a host's chit-chat belongs; stretches shorter than a few sentences join a neighbour.

Finder, locator and the relationship checker all read the same cached segmentation, so they agree by
construction. Nothing here names a product, a show or a file: only cue phrases, numbers and counts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from olp.engines import commerce as M
from olp.engines import cues as C
from olp.engines import text as T

#: A new stretch needs at least this many sentences since the last cut (cues closer together are one call-up:
#: "number thirteen. thirteen. this is thirteen").
MIN_GAP = 2
#: Without a cue, the talk must stay on the new product at least this long before it counts as a new stretch
#: (by language: ``MIN_DRIFT[zh]``). The values are the ones ``olp bench olp-mini-cv`` chooses on every fold.
MIN_DRIFT: dict[bool, int] = {False: 20, True: 10}
#: A stretch that does not open with a cue continues the topic before it (the relationship checker's rule; by
#: language: ``CONTINUE_UNCUED[zh]``, as ``olp bench olp-mini-cv`` chooses on every fold).
CONTINUE_UNCUED: dict[bool, bool] = {False: False, True: True}

_ZH_CALL = re.compile(r"([0-9一二三四五六七八九十两]{1,3})\s*号(?:链接|宝贝|商品)?")
_ZH_INTRO = ("下一款", "接下来", "给大家介绍", "给大家带来", "给大家看", "来看一下", "上新", "最后一款", "换下一", "下一个")
#: Phrases that put a product up only when a product is named with them ("给大家上一个裙子", "来款经典的羽绒服",
#: "把那个帽子给我拿一个": the host asks for the next product to show).
_ZH_PUT_UP = re.compile(
    r"给(?:你们|大家|他们|她们)(?:都|直接|先|赶紧)?(?:上|开|来|配)|来一?款|上同款|今天有一[个款条件双套只]|再来一个|直接来一个|"
    r"(?:给|帮)我拿|拿过来"
)
_EN_LINK = re.compile(r"\blink (?:number )?([a-z0-9]+(?: [a-z]+)?)")
#: Phrases a host moves on to the next product with, whatever it is called ("okay, so next one").
EN_TRANSITIONS = (
    "next one", "next up", "up next", "our next", "next product", "next item", "next look", "next piece",
    "moving on", "move on to", "let's move on", "first up", "last product", "last item", "last look",
    "let's talk about", "let's look at", "introducing", "here we have", "let's go to", "let's get into",
    "next collection", "next outfit", "our first one", "the first one", "new arrival", "new arrivals",
    "final collection", "last but not least", "let me show you this", "let me show this", "next we have",
    "next we've got", "next we got",
    # a try-on show changes product when the host puts the next one on
    "let's put on", "lets put on", "let me put on", "let's try on", "lets try on", "let me try on",
)
#: "next" and a product noun: the next bag, the next wig.
_EN_NEXT_HEAD = re.compile(r"\bnext (?:\w+ )?(?:" + "|".join(sorted(C.EN_PRODUCT_HEADS)) + r")\b")
#: Phrases that introduce a product only when a product noun follows ("this is our tweed jacket", not "this is
#: our number one best seller").
EN_INTRODUCTIONS = ("this is our", "this one is our", "here is our", "here's our")


#: The name of a stretch about no product in particular (by language: ``GENERIC[zh]``).
GENERIC = {False: "product", True: "商品"}


@dataclass(frozen=True)
class Segment:
    """One stretch of a chunk about one product: sentence indices ``start..end`` (inclusive)."""

    start: int
    end: int
    key: str  # the product's identity ("#13", a noun)
    name: str  # "label: price" or "label"


def _cue_key(text: str, here: list[M.Mention], zh: bool) -> tuple[bool, str | None]:
    """Whether a sentence (its text and product mentions ``here``) calls up a product, and which one if it can
    tell."""
    if zh:
        call = _ZH_CALL.search(text)
        if call and _closes(text):
            return False, None  # "倒计时五四三二一上链接，一号链接": the current product's link goes up
        if call and ("链接" in text or "号宝贝" in text or text.strip().startswith(call.group(0))):
            num = T.zh_value(call.group(1))
            return True, f"#{int(num)}" if num else f"#{call.group(1)}"
        if any(p in text for p in _ZH_INTRO):
            best = max(here, key=lambda m: m.weight, default=None)
            return True, best.key if best else None
        if _ZH_PUT_UP.search(text):
            best = max(here, key=lambda m: m.weight, default=None)
            if best is not None:
                return True, best.key
        return False, None
    strong = [m for m in here if m.weight >= 3.0 and m.key not in M._ACCESSORY_KEYS]
    alpha = [w for w in T.en_words(text) if w.isalnum()]
    if not strong and alpha and all(w in T._UNITS or w in T._TENS for w in alpha):
        strong = [m for m in here if m.key.startswith("#")]  # a sentence that is only a number calls it: "fifty one"
    if strong:
        return True, strong[0].key
    link = _EN_LINK.search(text.lower())
    nums = T.en_numbers(T.en_words(link.group(1))) if link else []
    if nums and nums[0].start == 0 and 0 < nums[0].value < 1000:  # "link nineteen", not "click the link and"
        return True, f"#{int(nums[0].value)}"
    words = " ".join(T.en_words(text))  # "ok next， one" reads "ok next one"
    best = max((m for m in here if m.key not in M._ACCESSORY_KEYS), key=lambda m: m.weight, default=None)
    if C.compile_phrases(EN_TRANSITIONS).search(words) or _EN_NEXT_HEAD.search(words):
        return True, best.key if best else None
    if best is not None and not best.key.startswith("#") and C.compile_phrases(EN_INTRODUCTIONS).search(words):
        return True, best.key
    return False, None


#: What a host says when a product is to be bought now: the link goes up, go and order, it sells out. A link
#: number said with these is the current product's link, not the next product called.
_ZH_CLOSE = ("上链接", "上架", "拍完了", "抢完了", "过款", "卖完了", "秒完了", "倒计时", "五四三二一", "去拍", "拍下", "下单")


def _closes(text: str) -> bool:
    return any(p in text for p in _ZH_CLOSE)


def _has_price(prices: list[T.Price]) -> bool:
    return any(not p.discount for p in prices)


def segment(texts: list[str], zh: bool, quality: bool) -> list[Segment]:
    """Cut a chunk into product stretches (see the module docstring); empty for an empty chunk."""
    return list(_segment(tuple(texts), zh, quality))


@lru_cache(maxsize=64)
def _segment(texts: tuple[str, ...], zh: bool, quality: bool) -> tuple[Segment, ...]:
    n = len(texts)
    if not n:
        return ()
    analysis = M.analyze(list(texts), zh, quality)
    at: dict[int, list[M.Mention]] = {}
    for m in analysis.mentions:
        at.setdefault(m.idx, []).append(m)
    candidates = {m.key for m in analysis.mentions} | {lab for lab in analysis.labels if lab}
    known = frozenset(k for k in candidates if _producty(k, analysis, zh))  # decided once per chunk
    cuts: list[tuple[int, str | None, bool]] = [(0, None, False)]  # (start, key, cued)
    current: str | None = None
    for i, text in enumerate(texts):
        cued, key = _cue_key(text, at.get(i, []), zh)
        if cued:
            if key is not None and key == current and key.startswith("#"):
                continue  # the number called again; a noun said again after "next one" may be the next bag
            if i - cuts[-1][0] >= MIN_GAP or (len(cuts) == 1 and not _evidence(0, i - 1, analysis, known)):
                cuts.append((i, key, True))
                current = key
            elif key is not None:  # "move on to number two ... let's go to number thirteen": the last call wins
                cuts[-1] = (cuts[-1][0], key, cuts[-1][2])
                current = key
    if quality:
        cuts = _drift_cuts(cuts, analysis, n, known)
    spans = [(a, (cuts[k + 1][0] - 1) if k + 1 < len(cuts) else n - 1, key, cued)
             for k, (a, key, cued) in enumerate(cuts)]
    spans = _absorb(spans, analysis, known)
    named = [_name(a, b, key, analysis, zh, known) for a, b, key, _cued in spans]
    return tuple(_unique(named))


_SUFFIX = re.compile(r" \((\d+)\)(?=: |$)")


def plain_name(name: str) -> str:
    """A topic name without the " (2)" that tells two stretches of one chunk apart ("bag (2): $499" -> "bag: $499")."""
    return _SUFFIX.sub("", name, count=1)


def _unique(segments: list[Segment]) -> list[Segment]:
    """Two stretches of one chunk never share a name: the finder lists names and the locator looks them up."""
    seen: Counter = Counter()
    out = []
    for s in segments:
        seen[s.name] += 1
        if seen[s.name] > 1:
            label, sep, price = s.name.partition(": ")
            s = Segment(s.start, s.end, s.key, f"{label} ({seen[s.name]}){sep}{price}")
        out.append(s)
    return out


def _producty(key: str | None, analysis: M.Analysis, zh: bool) -> bool:
    """A key that names a product rather than a passing noun: called by number, introduced, or (Chinese, whose
    noun finder is loose) a product head noun, or a noun said three times with a price close to one mention."""
    if not key:
        return False
    if not zh and analysis.category and key in M._ACCESSORY_KEYS:
        return False  # the hot comb the host styles the numbered wigs with
    if key.startswith("#") or key in analysis.presented or not zh:
        return True
    if any(h in key for h in C.ZH_PRODUCT_HEADS):
        return True
    idx = [m.idx for m in analysis.mentions if m.key == key]
    n = len(analysis.prices)
    near_price = any(_has_price(analysis.prices[j]) for i in idx for j in range(max(0, i - 2), min(n, i + 3)))
    return len(idx) >= 3 and near_price


def _drift_cuts(cuts, analysis: M.Analysis, n: int, known: frozenset[str]):
    """Add cuts where the talk moves to another product for at least ``MIN_DRIFT`` sentences, with no cue."""
    labels = analysis.labels
    drift = MIN_DRIFT[analysis.zh]
    out = list(cuts)
    starts = {c[0] for c in cuts}
    i = 1
    while i < n:
        lab = labels[i]
        moved = lab is not None and lab != labels[i - 1] and lab in analysis.products
        if moved and lab in known:
            run = i
            while run + 1 < n and labels[run + 1] == lab:
                run += 1
            prev = max((c for c in out if c[0] <= i), key=lambda c: c[0])
            if (run - i + 1 >= drift and i - prev[0] >= drift and prev[1] != lab
                    and not any(abs(i - s) < MIN_GAP for s in starts)):
                out.append((i, lab, False))
                starts.add(i)
            i = run + 1
        else:
            i += 1
    return sorted(out, key=lambda c: c[0])


def _evidence(a: int, b: int, analysis: M.Analysis, known: frozenset[str]) -> bool:
    named = any(a <= m.idx <= b and m.key in known for m in analysis.mentions)
    named = named or any(a <= i <= b for i in analysis.category_at)  # "this red wig" in a show of numbered wigs
    return named or any(_has_price(analysis.prices[i]) for i in range(a, b + 1))


def _absorb(spans, analysis: M.Analysis, known: frozenset[str]):
    """Stretches without any product evidence, or shorter than ``MIN_GAP`` without a cue, join the one before."""
    out: list[tuple[int, int, str | None, bool]] = []
    for a, b, key, cued in spans:
        called = bool(key and key.startswith("#"))  # "五号链接" names no noun, but it is a product
        weak = not (called or _evidence(a, b, analysis, known)) or (not cued and b - a + 1 < MIN_GAP)
        if out and weak:
            pa, _pb, pkey, pcued = out[-1]
            out[-1] = (pa, b, pkey, pcued)
        else:
            out.append((a, b, key, cued))
    if len(out) > 1 and not out[0][3] and not _evidence(out[0][0], out[0][1], analysis, known):
        out.pop(0)  # chit-chat before the first product: the topic left open before the chunk takes it, if any
    return out


def _name(a: int, b: int, key: str | None, analysis: M.Analysis, zh: bool, known: frozenset[str]) -> Segment:
    weights: Counter = Counter()
    for m in analysis.mentions:
        if a <= m.idx <= b and m.key in known:
            headed = zh and any(h in m.key for h in C.ZH_PRODUCT_HEADS)  # "防晒霜" over "试一下"
            weights[m.key] += m.weight * (2.0 if m.key.startswith("#") or headed else 1.0)
    for i in range(a, b + 1):
        lab = analysis.labels[i] if i < len(analysis.labels) else None
        if lab is not None and lab in known:
            weights[lab] += 0.25
    if not weights:  # no product-like noun: the product the stretch's prices were linked to, if any
        for k, p in analysis.products.items():  # (a number called after the stretch does not name it)
            if any(a <= i <= b and not q.discount for i, q in p.prices) and (
                    not k.startswith("#") or any(a <= i <= b for i in p.mentions)):
                weights[k] += 1.0
    if key is None or (key not in analysis.products and weights):
        key = max(weights, key=lambda k: (weights[k], k)) if weights else key
    label = key or ""
    prod = analysis.products.get(key) if key else None
    said = Counter(m.label for m in analysis.mentions if a <= m.idx <= b and m.key == key)
    introduced = [m.label for m in analysis.mentions if a <= m.idx <= b and m.key == key and m.weight >= 3.0]
    if prod is not None and key and key.startswith("#"):
        label = prod.label
    elif introduced:  # the name said when the host introduced it ("this bamboo cutting board")
        label = max(introduced, key=len)
    elif said:  # how the host called it here ("canvas tote bag", not the stream's "bag")
        label = max(said, key=lambda s: (said[s] * (1 + 0.2 * len(s.split())), s))
    elif prod is not None:
        label = prod.label
    elif key and key.startswith("#"):
        label = f"{analysis.category} number {key[1:]}".strip() if not zh else f"{key[1:]}号链接"
    if not label:  # a product of the show named by its category only ("this silver pixie wig")
        said = Counter(lab for i, lab in analysis.category_at.items() if a <= i <= b)
        label = max(said, key=lambda s: (said[s] * (1 + 0.2 * len(s.split())), s)) if said else GENERIC[zh]
    price = _price(a, b, analysis)
    return Segment(a, b, key or label, f"{label}: {price}" if price else label)


def _price(a: int, b: int, analysis: M.Analysis) -> str:
    """The price said most often in the stretch, today's not the regular one; on a tie the one said last (a
    product's talk ends on its final price, and may open on the last product's)."""
    said = [p for i in range(a, b + 1) for p in analysis.prices[i] if not p.discount and not p.regular]
    if not said:
        return ""
    # hosts repeat today's price: the one said most often (with a currency or unit, or as today's, counting double)
    counts: Counter = Counter()
    values = {p.value for p in said}
    for p in said:
        counts[_heard_as(p.value, values)] += (2 if p.strong else 1) * (2 if p.deal else 1)
    top = max(counts.values())
    return next(p.surface for p in reversed(said) if counts[p.value] == top)


def _heard_as(value: float, values: set[float]) -> float:
    """One price the ASR heard short: "four hundred nine" and "four hundred" are the stretch's "four hundred
    ninety nine" with a word dropped (ASR drops words far more often than it adds them), so they count for it."""
    if value >= 100 and value == int(value) and value % 100 in (0, 9):
        full = value - value % 100 + 99
        if full in values:
            return full
    return value


def find(segments: list[Segment], name: str, zh: bool) -> Segment | None:
    """The stretch a topic name refers to: same name, then same product key, then the best name match."""
    for s in segments:
        if s.name == name:
            return s
    key = M.name_key(name, zh)
    for s in segments:
        if s.key == key or M.name_key(s.name, zh) == key:
            return s
    base = re.split(r"[:：]", name, maxsplit=1)[0]
    best = max(segments, key=lambda s: T.char_dice(base, re.split(r"[:：]", s.name, maxsplit=1)[0]), default=None)
    if best is not None and T.char_dice(base, re.split(r"[:：]", best.name, maxsplit=1)[0]) >= 0.5:
        return best
    return None


def starts_with_cue(texts: list[str], zh: bool) -> bool:
    """Whether a stretch opens by calling up a product (its first sentence: the finder's stretches start at
    their cue)."""
    if not texts:
        return False
    return _cue_key(texts[0], M.analyze(texts[:1], zh, True).mentions, zh)[0]


__all__ = ["GENERIC", "Segment", "find", "plain_name", "segment", "starts_with_cue"]

