"""Aspect scoring for the content organizer: cue words per aspect, per domain and language.

Each sentence gets a score per aspect (its aspect *key*, the English name; the caller maps keys to the profile's
labels). quality weighs every cue and uses context (the topic's opening sentences, short fillers inheriting their
neighbour's aspect); fast takes the first rule that fires.
"""

from __future__ import annotations

import re
from functools import lru_cache

from olp.engines import cues as C
from olp.engines import text as T


@lru_cache(maxsize=None)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return C.compile_phrases(phrases)


def _count(phrases: tuple[str, ...], text: str, zh: bool) -> int:
    if zh:
        return sum(text.count(p) for p in phrases)
    return len(_pattern(phrases).findall(text))


_QUOTE = re.compile(r"^\s*['\"“‘]|['\"”’]\s*$|[“”]|\s['\"][A-Z]|[,.!?]['\"’”](?:\s|$)")
_FIRST_PERSON = re.compile(r"\b(?:i|me|my|we|our|us)\b", re.I)


def _commerce(texts: list[str], zh: bool, topic: str, fast: bool) -> list[str]:
    from olp.engines.commerce import name_key

    key = name_key(topic, zh)
    base = re.split(r"[:：]", topic, maxsplit=1)[0].strip().lower()
    opening = C.ZH_OPENING if zh else C.EN_OPENING
    urging = C.ZH_URGING if zh else C.EN_URGING
    price_words = C.ZH_PRICE_WORDS if zh else tuple(w for w in C.EN_PRICE_WORDS if w[0].isalpha())
    out: list[str] = []
    for i, t in enumerate(texts):
        low = t.lower()
        refers = _refers(low, key, base, zh)
        has_price = bool(T.prices(t, zh))
        n_open = _count(opening, low, zh)
        n_urge = _count(urging, low, zh)
        n_price = _count(price_words, low, zh)
        if fast:
            if i == 0 or (i < 3 and (n_open or refers)):
                out.append("Opening")
            elif has_price:
                out.append("Price")
            elif n_urge:
                out.append("Order Urging")
            else:
                out.append("Product Description")
            continue
        scores = {
            "Opening": (2.5 if i == 0 else 0.0) + (1.5 * n_open + (1.0 if refers else 0.0)) * (1.0 if i < 4 else 0.3),
            "Price": (3.0 if has_price else 0.0) + 1.0 * n_price,
            "Order Urging": 1.2 * n_urge,
            "Product Description": 1.0,
        }
        out.append(max(scores, key=lambda a: (scores[a], _COMMERCE_ORDER[a])))
    return out if fast else _inherit(texts, out, zh, "Product Description")


_COMMERCE_ORDER = {"Price": 3, "Order Urging": 2, "Opening": 1, "Product Description": 0}


def _refers(low: str, key: str, base: str, zh: bool) -> bool:
    if zh:
        return bool(base) and base in low
    if key.startswith("#"):
        n = int(key[1:])
        return bool(re.search(rf"\b(?:number|no\.?|#)\s*(?:{n}|{T.en_number_words(n)})\b", low))
    return bool(key) and key in low


def _news(texts: list[str], zh: bool, fast: bool) -> list[str]:
    cues = C.NEWS_ZH if zh else C.NEWS_EN
    keys = {"未来计划": "Future Plans", "猜测": "Assumptions", "观点": "Opinions"}
    out = []
    for t in texts:
        low = t if zh else t.lower()
        c = {keys.get(k, k): _count(v, low, zh) for k, v in cues.items()}
        quoted = bool(_QUOTE.search(t))
        if fast:
            label = next((k for k in ("Future Plans", "Assumptions", "Opinions") if c[k]), "Facts")
            out.append(label)
            continue
        first_person = 0 if zh else min(2, len(_FIRST_PERSON.findall(t)))
        scores = {
            "Future Plans": 1.4 * c["Future Plans"] + 0.5 * c.get("Weak future", 0),
            "Assumptions": 1.3 * c["Assumptions"],
            "Opinions": 0.8 * c["Opinions"] + 0.6 * c.get("Reported", 0) + (1.0 if quoted else 0.0)
            + 0.5 * first_person,
            "Facts": 1.0 + (0.4 if re.search(r"\d", t) else 0.0),
        }
        out.append(max(scores, key=lambda a: (scores[a], _NEWS_ORDER[a])))
    return out


_NEWS_ORDER = {"Facts": 3, "Opinions": 2, "Assumptions": 1, "Future Plans": 0}


def _meeting(texts: list[str], fast: bool) -> list[str]:
    out = []
    for t in texts:
        low = T.strip_speaker(t).lower()
        counts = {k: _count(v, low, False) for k, v in C.MEETING_EN.items()}
        if fast:
            out.append(next((k for k in ("Decisions", "Action Items", "Proposals") if counts[k]), "Discussion"))
            continue
        words = len(low.split())
        scores = {
            "Decisions": 1.6 * counts["Decisions"],
            "Action Items": 1.3 * counts["Action Items"],
            "Proposals": 1.5 * counts["Proposals"],
            "Discussion": 1.0 + (0.3 if words < 6 else 0.0) + (0.3 if low.rstrip().endswith("?") else 0.0),
        }
        out.append(max(scores, key=lambda a: (scores[a], a == "Discussion")))
    return out


def _inherit(texts: list[str], keys: list[str], zh: bool, default: str) -> list[str]:
    """Fillers ("okay", "嗯", "you guys") take the aspect of the sentence before them: they continue its point."""
    out = list(keys)
    for i in range(1, len(out)):
        t = texts[i]
        content = T.zh_bigrams(t) if zh else T.en_content(t)
        if out[i] == default and len(content) <= (1 if zh else 0):
            out[i] = out[i - 1]
    return out


def organize(texts: list[str], zh: bool, domain: str, topic: str, fast: bool) -> list[str]:
    """The aspect key of every sentence, in order."""
    if domain == "ecommerce":
        return _commerce(texts, zh, topic, fast)
    if domain == "meeting":
        return _meeting(texts, fast)
    return _news(texts, zh, fast)
