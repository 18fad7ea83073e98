"""Topic segmentation by lexical cohesion (news stories, meeting agenda items) and naming segments by keywords.

quality: TextTiling (Hearst 1997) over TF-IDF vectors of sentence windows, smoothed, with depth scores; Chinese
tokens from jieba; segments named by their most distinctive keywords. fast: adjacent fixed windows compared by
plain bag-of-words cosine, character bigrams for Chinese, named from the segment's most central sentence (Chinese)
or most frequent words (English). Both are deterministic: the locator re-derives the finder's segments exactly.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from olp.engines import text as T


@dataclass(frozen=True)
class Params:
    block_tokens: int  # tokens per comparison window (quality); the fast engine uses ``fast_block`` sentences
    fast_block: int
    min_sentences: int  # shortest segment
    min_tokens: int
    cutoff_sd: float  # a boundary needs depth >= mean + cutoff_sd * sd of the candidate depths
    keywords: int
    target_tokens: int = 0  # when > 0: at most total_tokens / target_tokens segments (the deepest boundaries)
    min_depth: float = 0.0  # and an absolute floor on the depth score (quality)
    fast_min_depth: float = 0.0  # the same floor for the fast engine's plain cosine
    strong_depth: float = 9.0  # a boundary this deep is kept even beyond the ``target_tokens`` budget


PARAMS = {
    "news": Params(block_tokens=120, fast_block=3, min_sentences=4, min_tokens=20, cutoff_sd=-9.0, keywords=3,
                   min_depth=0.2, fast_min_depth=0.3),
    "meeting": Params(block_tokens=60, fast_block=10, min_sentences=12, min_tokens=150, cutoff_sd=-1.0, keywords=3,
                      target_tokens=400, strong_depth=0.5),
}


@dataclass(frozen=True)
class Topic:
    name: str
    start: int  # sentence index, inclusive
    end: int  # inclusive


def tokens(texts: list[str], zh: bool, fast: bool, domain: str) -> list[list[str]]:
    if domain == "meeting":
        texts = [T.strip_speaker(t) for t in texts]
    return [T.content_tokens(t, zh, fast=fast) for t in texts]


_SHIFT = re.compile(
    r"\b(?:moving on|move on|next item|next thing|next point|next topic|next question|let's talk about|"
    r"the next|agenda|let's go to|let's start with|first thing|another thing|shall we|last thing|"
    r"next up|let's turn to|turning to|now we)\b",
    re.I,
)


def boundaries(toks: list[list[str]], fast: bool, domain: str, texts: list[str] | None = None,
               shift_bonus: float = 0.0) -> list[int]:
    """Start indices of the segments (always begins with 0)."""
    n = len(toks)
    p = PARAMS.get(domain, PARAMS["news"])
    if n < 2 * p.min_sentences:
        return [0]
    sims, raw = _gap_sims_fast(toks, p) if fast else _gap_sims_quality(toks, p)
    # gap g sits between sentence g-1 and g, for g in 1..n-1; sims[g-1] is its similarity
    depth = _depths(sims)
    if shift_bonus and texts is not None:
        depth = [d + (shift_bonus if _SHIFT.search(texts[g]) else 0.0) for g, d in zip(range(1, n), depth)]
    # candidates: local minima of the (smoothed) curve, each moved onto the lowest raw gap next to it, since
    # smoothing blurs where the dip is; a candidate keeps the depth of its minimum
    cand_depth: dict[int, float] = {}
    for g in range(1, n):
        if _local_min(sims, g - 1):
            h = min((h for h in (g - 1, g, g + 1) if 1 <= h < n), key=lambda h: (raw[h - 1], abs(h - g)))
            cand_depth[h] = max(cand_depth.get(h, 0.0), depth[g - 1])
    cands = sorted(cand_depth)
    if not cands:
        return [0]
    depth = [cand_depth.get(g, 0.0) for g in range(1, n)]
    ds = [depth[g - 1] for g in cands]
    mean = sum(ds) / len(ds)
    sd = math.sqrt(sum((d - mean) ** 2 for d in ds) / len(ds))
    cutoff = max(1e-9, mean + p.cutoff_sd * sd, p.fast_min_depth if fast else p.min_depth)
    cum = [0]
    for t in toks:
        cum.append(cum[-1] + len(t))
    min_tokens = min(p.min_tokens, cum[-1] / 4)  # short inputs (a small chunk) may still hold two topics
    chosen: list[int] = []
    limit = max(0, round(cum[-1] / p.target_tokens) - 1) if p.target_tokens else n
    for g in sorted(cands, key=lambda g: (-depth[g - 1], g)):
        if depth[g - 1] < cutoff or (len(chosen) >= limit and depth[g - 1] < p.strong_depth):
            break
        edges = sorted(chosen + [0, n])
        lo = max(e for e in edges if e < g)
        hi = min(e for e in edges if e > g)
        if g - lo < p.min_sentences or hi - g < p.min_sentences:
            continue
        if cum[g] - cum[lo] < min_tokens or cum[hi] - cum[g] < min_tokens:
            continue
        chosen.append(g)
    return [0] + sorted(chosen)


def _local_min(sims: list[float], i: int) -> bool:
    left = sims[i - 1] if i > 0 else math.inf
    right = sims[i + 1] if i + 1 < len(sims) else math.inf
    return sims[i] <= left and sims[i] <= right and (left != math.inf or right != math.inf)


def _depths(sims: list[float]) -> list[float]:
    out = []
    for i, s in enumerate(sims):
        lmax, j = s, i
        while j > 0 and sims[j - 1] >= lmax:
            j -= 1
            lmax = sims[j]
        rmax, j = s, i
        while j + 1 < len(sims) and sims[j + 1] >= rmax:
            j += 1
            rmax = sims[j]
        out.append((lmax - s) + (rmax - s))
    return out


def _gap_sims_quality(toks: list[list[str]], p: Params) -> list[float]:
    import numpy as np

    n = len(toks)
    mat, _ = T.tfidf_matrix(toks)
    prefix = np.vstack([np.zeros((1, mat.shape[1])), np.cumsum(mat, axis=0)])
    avg = max(1.0, sum(len(t) for t in toks) / n)
    k = int(min(40, max(2, round(p.block_tokens / avg)), max(2, n // 4)))  # short inputs need peaks too
    sims = []
    for g in range(1, n):
        left = prefix[g] - prefix[max(0, g - k)]
        right = prefix[min(n, g + k)] - prefix[g]
        den = float(np.linalg.norm(left) * np.linalg.norm(right))
        sims.append(float(left @ right) / den if den else 0.0)
    # smoothing (window 3) removes single-sentence dips such as backchannels ("yeah", "okay")
    if n < 20:
        return [round(x, 12) for x in sims], [round(x, 12) for x in sims]
    sm = [sum(sims[max(0, i - 1) : i + 2]) / len(sims[max(0, i - 1) : i + 2]) for i in range(len(sims))]
    return [round(x, 12) for x in sm], [round(x, 12) for x in sims]


def _gap_sims_fast(toks: list[list[str]], p: Params) -> list[float]:
    n, k = len(toks), p.fast_block
    sims = []
    for g in range(1, n):
        left = Counter(t for s in toks[max(0, g - k) : g] for t in s)
        right = Counter(t for s in toks[g : g + k] for t in s)
        sims.append(round(T.cosine(left, right), 12))
    return sims, sims


# --- naming ----------------------------------------------------------------------------------------------------


def _surfaces(texts: list[str]) -> dict[str, Counter]:
    """stem -> surface forms as written (keeps "Sherman", "NASA")."""
    out: dict[str, Counter] = {}
    for t in texts:
        for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", t):
            low = w.lower()
            if len(low) > 2:
                out.setdefault(T._stem(low), Counter())[w] += 1
    return out


def name_segments(texts: list[str], toks: list[list[str]], starts: list[int], zh: bool, fast: bool,
                  domain: str) -> list[str]:
    n = len(texts)
    p = PARAMS.get(domain, PARAMS["news"])
    spans = [(s, (starts[i + 1] if i + 1 < len(starts) else n)) for i, s in enumerate(starts)]
    df = Counter(t for ts in toks for t in set(ts))
    names: list[str] = []
    for a, b in spans:
        seg_toks = [t for ts in toks[a:b] for t in ts]
        if zh and fast:
            name = _central_clause(texts[a:b], toks[a:b])
        else:
            name = _keyword_name(texts[a:b], seg_toks, df, n, zh, p.keywords)
        names.append(name or _fallback_name(texts[a:b], zh))
    seen: Counter = Counter()
    unique = []
    for name in names:
        seen[name.lower()] += 1
        unique.append(name if seen[name.lower()] == 1 else f"{name} ({seen[name.lower()]})")
    return unique


def _keyword_name(texts, seg_toks, df, n, zh, k) -> str:
    tf = Counter(seg_toks)
    if not tf:
        return ""
    first = {}
    for i, t in enumerate(seg_toks):
        first.setdefault(t, i)
    score = {t: (1 + math.log(c)) * math.log(1 + n / df[t]) * (1.0 if c > 1 or len(tf) < 8 else 0.5)
             for t, c in tf.items()}
    if not zh:
        surf = _surfaces(texts)
        for t in score:  # proper nouns name news stories best
            forms = surf.get(t)
            if forms and forms.most_common(1)[0][0][:1].isupper():
                score[t] *= 1.3
    top = sorted(score, key=lambda t: (-score[t], first[t], t))[:k]
    top.sort(key=lambda t: first[t])
    if zh:
        return "".join(top)
    surf = _surfaces(texts)
    words = []
    for t in top:
        forms = surf.get(t)
        words.append(max(forms, key=lambda w: (forms[w], w)) if forms else t)
    return " ".join(words)


def _central_clause(texts: list[str], toks: list[list[str]]) -> str:
    """The opening clause of the sentence sharing most vocabulary with its segment (a lede as a headline)."""
    bag = Counter(t for ts in toks for t in ts)
    best, best_score = 0, -1.0
    for i, ts in enumerate(toks):
        sc = sum(bag[t] for t in set(ts)) / (1 + math.log(1 + len(ts))) if ts else 0.0
        if sc > best_score:
            best, best_score = i, sc
    clause = re.split(r"[，。！？；：,.!?;:]", texts[best].strip())
    clause = [c for c in clause if len(c) >= 4] or clause
    return clause[0].strip()[:16] if clause else ""


def _fallback_name(texts: list[str], zh: bool) -> str:
    for t in texts:
        t = T.strip_speaker(t).strip()
        if t:
            return t[:16] if zh else " ".join(t.split()[:5])
    return "untitled topic"


def segment_topics(texts: list[str], zh: bool, fast: bool, domain: str) -> list[Topic]:
    """The chunk's topics in order: cohesion segments with keyword names."""
    toks = tokens(texts, zh, fast, domain)
    starts = boundaries(toks, fast, domain, texts, 0.0 if fast else 0.1)
    names = name_segments(texts, toks, starts, zh, fast, domain)
    ends = [s - 1 for s in starts[1:]] + [len(texts) - 1]
    return [Topic(nm, a, b) for nm, a, b in zip(names, starts, ends)]


def locate(name: str, topics: list[Topic], texts: list[str], zh: bool, fast: bool, domain: str) -> tuple[int, int]:
    """The span (sentence indices) of a named topic: the segment with that name, else the best-matching one."""
    low = name.strip().lower()
    for t in topics:
        if t.name.lower() == low:
            return t.start, t.end
    want = Counter(T.content_tokens(name, zh, fast=fast))
    if zh:
        want.update(T.zh_bigrams(name))
    if not want or not topics:
        return 0, len(texts) - 1
    toks = tokens(texts, zh, fast, domain)
    best, best_score = topics[0], -1.0
    for t in topics:
        bag = Counter(x for ts in toks[t.start : t.end + 1] for x in ts)
        if zh:
            for s in texts[t.start : t.end + 1]:
                bag.update(T.zh_bigrams(s))
        hit = sum(1 for w in want if bag.get(w)) / len(want)
        sc = hit + 0.1 * T.cosine(want, bag)
        if sc > best_score:
            best, best_score = t, sc
    return best.start, best.end
