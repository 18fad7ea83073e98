"""Live-commerce analysis: product mentions, prices linked to products, and each product's span in a chunk.

One function, ``analyze``, serves the finder (products that have a price, named "product: price") and the locator
(the span of a named product), so the two roles agree on the same chunk by construction. ``quality=True`` links a
price to the most salient product in a decaying window and smooths the segmentation; ``quality=False`` (the fast
engine) links a price to the latest product mentioned and cuts at every new mention.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from olp.engines import text as T
from olp.engines.cues import (
    EN_ACCESSORY_HEADS,
    EN_INTRODUCING,
    EN_OPENING,
    ZH_OPENING,
    compile_phrases,
    EN_NOT_PRODUCT,
    EN_PRODUCT_HEADS,
    EN_STOP,
    ZH_NOT_PRODUCT,
    ZH_PRODUCT_HEADS,
    ZH_STOP,
)

_NUMBER_WORD = re.compile(r"^(?:number|no|#)$")
_ZH_SPLIT = re.compile(
    r"[的了是我你他她它这那就都也还在有和啊呀吧呢吗哈嘛哦噢嗯呃额哎唉啦咯哇对好个一不没很说送给来去看买拍要能会得让把被如果然后只平时"
    r"首先选择包括觉跟们家里上下中多少几么什怎为因所以但而且并又再才已经正在过着到从向对于款，。！？、,.!?\s]+"
)


@dataclass
class Mention:
    idx: int  # sentence index in the chunk
    pos: float  # position within the sentence, 0..1 (for "before the price" tests)
    key: str  # product identity: "#13" for numbered products, else the normalised noun
    label: str  # how to name it
    weight: float


@dataclass
class Product:
    key: str
    label: str
    first: int  # first mention
    mentions: list[int] = field(default_factory=list)
    prices: list[tuple[int, T.Price]] = field(default_factory=list)
    span: tuple[int, int] | None = None  # sentence indices, inclusive

    def price_text(self) -> str:
        """The first full price said for the product (later ones are usually instalments or checkout discounts)."""
        full = [p for _, p in self.prices if not p.discount]
        today = [p for p in full if not p.regular] or full or [p for _, p in self.prices]
        return today[0].surface if today else ""

    @property
    def name(self) -> str:
        price = self.price_text()
        return f"{self.label}: {price}" if price else self.label


# --- mentions --------------------------------------------------------------------------------------------------


def _en_mentions(i: int, text: str, nxt: str | None, quality: bool) -> list[Mention]:
    words = T.en_words(text)
    nums = {n.start: n for n in T.en_numbers(words)}
    out: list[Mention] = []
    n = max(1, len(words))
    for j, w in enumerate(words):
        if (_NUMBER_WORD.match(w) and (num := nums.get(j + 1)) and 0 < num.value < 1000 and num.value == int(num.value)
                and not _ranking(words, num.end)):
            key = f"#{int(num.value)}"
            strong = _strong_before(words, j)
            out.append(Mention(i, j / n, key, f"number {int(num.value)}", 3.0 if strong else 1.5))
        elif w in EN_PRODUCT_HEADS and w not in EN_NOT_PRODUCT and not _verb_use(words, j):
            mods = []
            k = j - 1
            while k >= 0 and len(mods) < (2 if quality else 1):
                m = words[k]
                if (not m.isalpha() or m in EN_STOP or m in EN_NOT_PRODUCT or m in T._UNITS or m in T._TENS
                        or m in _EN_NOT_MODIFIER):
                    break
                mods.insert(0, m)
                k -= 1
            head = T._stem(w)
            out.append(Mention(i, j / n, head, " ".join(mods + [w]), 1.0))
    # a sentence that is only a number ("fifty one.", "fifty two. fifty two.") names a product called by number
    alpha = [w for w in words if w.isalnum()]
    if quality and alpha and len(nums) >= 1 and all(w in T._UNITS or w in T._TENS for w in alpha) and not out:
        first = next(iter(nums.values()))
        if 0 < first.value < 1000:
            out.append(Mention(i, 0.0, f"#{int(first.value)}", f"number {int(first.value)}", 1.0))
    # ASR splits "let's move into number" / "seventeen so ...": the number belongs to the next sentence
    if words and words[-1] == "number" and nxt:
        nw = T.en_words(nxt)
        nn = T.en_numbers(nw)
        if nn and nn[0].start == 0 and 0 < nn[0].value < 1000:
            out.append(Mention(i + 1, 0.0, f"#{int(nn[0].value)}", f"number {int(nn[0].value)}", 3.0))
    return out


#: Words before a product noun that say which one or what to do with it, not what it is ("the next wig",
#: "use shampoo"): they end the name's modifiers.
_EN_NOT_MODIFIER = frozenset("next another first last previous use using try wear wearing show showing buy "
                             "grab pick check".split())

#: Words after "number one" that make it a ranking, not a product called by number ("number one best seller").
_RANKING_AFTER = frozenset("best seller sellers bestseller selling choice brand rated fan priority reason thing rule "
                           "spot position place in on top favorite favourite most".split())


def _ranking(words: list[str], end: int) -> bool:
    return end < len(words) and words[end] in _RANKING_AFTER


_OBJECTS = frozenset("her him it them up down out off your my our this that those these".split())
_VERB_BEFORE = frozenset("to i you we they can will gonna wanna could would should i'll we'll don't".split())


def _verb_use(words: list[str], j: int) -> bool:
    """"brush her out", "you could dress her up": the head noun is used as a verb here."""
    nxt = words[j + 1] if j + 1 < len(words) else ""
    prev = words[j - 1] if j else ""
    return nxt in _OBJECTS or prev in _VERB_BEFORE


def _strong_before(words: list[str], j: int) -> bool:
    before = " ".join(words[max(0, j - 3) : j])
    # "alright, number four ...": a sentence that opens with the number calls it
    return bool(_STRONG_BEFORE.search(before)) or all(w in _OPENERS for w in words[:j])


_OPENERS = frozenset("okay ok alright all right so and now next , . girls guys ladies".split())


_STRONG_BEFORE = re.compile(
    r"(this one is|this is|go to|move on to|get into|try on|throw on|going in with|next up is|jump to|jump it to|"
    r"with me to|over to|on to|put on|puts on|putting on)$"
)


def _zh_mentions(i: int, text: str, quality: bool) -> list[Mention]:
    out: list[Mention] = []
    n = max(1, len(text))
    if quality:  # runs of jieba nouns: "保温/n 杯/n" -> "保温杯"
        pos = 0
        run, run_start = "", 0
        for word, flag in T.zh_pos(text) + [("", "x")]:
            bare = word.strip(T._ZH_FILLERS)
            nounish = (
                flag in {"n", "nz", "ng", "nr", "nrt", "vn", "an"}
                and bare not in ZH_STOP
                and bare not in ZH_NOT_PRODUCT
                and len(bare) > 0
            )
            if nounish and not T.ZH_NUM.match(word):
                if not run:
                    run_start = pos
                run += word
            else:
                if run:
                    _add_zh_noun(out, i, text, run, run_start, n)
                run = ""
            pos += len(word)
    else:
        pos = 0
        for piece in _ZH_SPLIT.split(text):
            start = text.find(piece, pos) if piece else pos
            pos = start + len(piece)
            piece = T.ZH_NUM.sub("", piece) if T.ZH_NUM.match(piece) else piece
            if 2 <= len(piece) <= 6 and any(h in piece for h in ZH_PRODUCT_HEADS):
                _add_zh_noun(out, i, text, piece, start, n)
    return out


_ZH_WHEN = ("今天", "今晚", "现在", "这次", "直播间")


def _without_when(noun: str) -> str:
    """"茶叶今天" (from "茶叶今天只要278元") is the tea: a time word glued to the noun is not part of its name."""
    for w in _ZH_WHEN:
        if noun.endswith(w) and len(noun) > len(w):
            return noun[: -len(w)]
    return noun


#: Measure words that glue to the noun after a number or a demonstrative ("这条裙子" -> "条裙子").
_ZH_NOUN_MEASURE = frozenset("条双件个款套只支瓶盒罐袋")
_ZH_COUNTED_BY = re.compile(r"[这那哪每几一二两三四五六七八九十百0-9]$")
#: Address terms after a name: "燕姐", "标哥" are people (the host, a guest), not products.
_ZH_ADDRESS = ("姐", "哥", "弟", "妹", "叔", "姨", "嫂", "总")


def _add_zh_noun(out: list[Mention], i: int, text: str, noun: str, start: int, n: int) -> None:
    noun = _without_when(noun.strip(T._ZH_FILLERS)).strip(T._ZH_FILLERS)
    if noun.startswith(("谢谢", "感谢")):
        noun, start = noun[2:], start + 2  # "谢谢表哥": thanking someone
    if len(noun) >= 3 and noun[0] in _ZH_NOUN_MEASURE and _ZH_COUNTED_BY.search(text[:start]):
        noun, start = noun[1:], start + 1  # "这条裙子": the skirt, not "条裙子"
    if len(noun) < 2 or len(noun) > 8 or noun in ZH_NOT_PRODUCT or noun in ZH_STOP:
        return
    if len(noun) <= 3 and noun.endswith(_ZH_ADDRESS):
        return  # a person addressed by name
    if any(noun.endswith(x) or noun.startswith(x) for x in ("宝子", "主播", "直播", "链接", "价格")):
        return
    if noun.endswith("色") and len(noun) <= 3:
        return  # a colour ("黑色", "米白色"), not a product
    before = re.split(r"[，。！？,.!?；;]", text[max(0, start - 8) : start])[-1]
    if any(g in before for g in ("送", "赠", "返")):
        return  # a gift ("买三盒送您一个冷泡瓶"), not the product on sale
    weight = 1.5 if any(h in noun for h in ZH_PRODUCT_HEADS) else 1.0
    out.append(Mention(i, start / n, noun, noun, weight))


def _zh_fast_before_price(text: str, price_surface_pos: int) -> str:
    """The fast engine's product guess: a noun-like run of characters just before the price in the sentence."""
    head = text[max(0, price_surface_pos - 8) : price_surface_pos]
    pieces = [p for p in _ZH_SPLIT.split(head) if p]
    for piece in reversed(pieces):
        piece = _without_when(piece.strip(T._ZH_FILLERS)).strip(T._ZH_FILLERS)
        if T.ZH_NUM.fullmatch(piece) or len(piece) < 2 or piece in ZH_STOP or piece in ZH_NOT_PRODUCT:
            continue
        if any(piece.startswith(x) or piece.endswith(x) for x in ("宝子", "主播", "直播", "价格", "今晚", "今天")):
            continue
        if len(piece) <= 6:
            return piece
    return ""


# --- analysis --------------------------------------------------------------------------------------------------


@dataclass
class Analysis:
    products: dict[str, Product]
    labels: list[str | None]  # the product each sentence is about
    category: str  # the head noun numbered products share ("wig"), "" if none
    presented: set[str] = field(default_factory=set)  # products presented for sale: called by number or introduced
    mentions: list[Mention] = field(default_factory=list)
    prices: list[list[T.Price]] = field(default_factory=list)  # each sentence's prices
    zh: bool = False  # the chunk is Chinese
    #: sentences that name the category, and how ("red wig"): talk about a product of the show
    category_at: dict[int, str] = field(default_factory=dict)


def analyze(texts: list[str], zh: bool, quality: bool, extra: dict[str, list[Mention]] | None = None) -> Analysis:
    """Products, their prices and spans in a chunk of sentences ``texts``.

    ``extra`` adds mentions of named products the caller knows (the locator's topic names), keyed by product key.
    """
    mentions: list[Mention] = []
    for i, text in enumerate(texts):
        if zh:
            mentions.extend(_zh_mentions(i, text, quality))
        else:
            nxt = texts[i + 1] if i + 1 < len(texts) else None
            mentions.extend(_en_mentions(i, text, nxt, quality))
    for extra_mentions in (extra or {}).values():
        mentions.extend(extra_mentions)
    mentions.sort(key=lambda m: (m.idx, m.pos))
    found = T.sentence_prices(texts, zh)  # each sentence's prices, read once
    if quality:
        mentions = _drop_props(texts, zh, mentions, found)

    numbered = [m for m in mentions if m.key.startswith("#")]
    near = {i for m in numbered for i in range(m.idx - 2, m.idx + 3)}
    category, category_at = "", {}
    if numbered and not zh:
        # the head noun said around the numbers ("this wig is number 13") names them all
        heads = Counter()
        for m in mentions:
            if not m.key.startswith("#") and m.label.split()[-1] in EN_PRODUCT_HEADS:
                heads[m.key] += 3 if m.idx in near else 1
        heads = Counter({h: c for h, c in heads.items() if h not in EN_ACCESSORY_HEADS})
        if heads:
            category = max(heads, key=lambda h: (heads[h], -_first(mentions, h)))
        # the category noun ("wig") names the numbered products; it is not a product of its own
        category_at = {m.idx: m.label for m in mentions if m.key == category and category}
        mentions = [m for m in mentions if m.key != category]

    introduced = _introduced(texts, mentions, category, near) if not zh else {}
    # the products on sale: all named products, or, when products are called by number, the numbered ones and
    # those introduced by name; other nouns are props
    on_sale = {m.key for m in mentions if not numbered or m.key.startswith("#")} | set(introduced)
    called = Counter(m.key for m in numbered)
    presented = set(introduced) | {m.key for m in numbered if m.weight >= 3.0 or called[m.key] >= 2}

    products: dict[str, Product] = {}
    for m in mentions:
        p = products.setdefault(m.key, Product(m.key, m.label, m.idx))
        p.mentions.append(m.idx)
    _choose_labels(products, mentions, category)
    for key, label in introduced.items():
        products[key].label = label

    labels = _propagate(mentions, len(texts), quality, on_sale)
    _link_prices(texts, zh, quality, mentions, labels, products, on_sale, found)
    for key, p in products.items():
        p.span = _span(labels, key, p, quality)
    return Analysis(products, labels, category, presented, mentions, found, zh, category_at)


def _introduced(texts: list[str], mentions: list[Mention], category: str, near: set[int]) -> dict[str, str]:
    """Named products the host introduces in a stream that also calls products by number ("okay next let's talk
    about this cast iron skillet" after "number two, the wool throw blanket"): products of their own, not props
    of the numbered one. Their introducing mention weighs like a called number and names them.

    Returns ``{product key: the name said when it was introduced}``."""
    keys: dict[str, str] = {}
    for m in mentions:
        if m.key.startswith("#") or m.key == category or m.key in _ACCESSORY_KEYS:
            continue
        if m.idx in near:
            continue  # said around a called number: it is that product's description
        if _introduces(texts[m.idx], m):
            keys.setdefault(m.key, m.label)
            m.weight = max(m.weight, 3.0)
    return keys


def _introduces(text: str, m: Mention) -> bool:
    """The mention closely follows a phrase that introduces the next product, in the same sentence: "let's talk
    about this cast iron skillet", "the last product tonight is the bamboo cutting board"; not "get into her.
    she's a five by five closure" (a wig's feature) or "flip her on ... watch." (a verb)."""
    lowered = text.lower()
    head = m.label.split()[-1]
    for cue in compile_phrases(EN_INTRODUCING).finditer(lowered):
        clause = re.split(r"[.!?]", lowered[cue.end() : cue.end() + 80], maxsplit=1)[0]
        if head in T.en_words(clause)[:7]:
            return True
    return False


def _drop_props(texts: list[str], zh: bool, mentions: list[Mention], found: list[list]) -> list[Mention]:
    """A noun said once is a prop ("my flare jeans"), unless its sentence has a price or introduces a product."""
    counts = Counter(m.key for m in mentions)
    opening = ZH_OPENING if zh else EN_OPENING
    keep = {i for i, t in enumerate(texts) if found[i] or _says(opening, t, zh)}
    return [m for m in mentions if m.key.startswith("#") or counts[m.key] >= 2 or m.idx in keep]


def _says(phrases: tuple[str, ...], text: str, zh: bool) -> bool:
    if zh:
        return any(p in text for p in phrases)
    return bool(compile_phrases(phrases).search(text))


def _first(mentions: list[Mention], key: str) -> int:
    return next((m.idx for m in mentions if m.key == key), 0)


def _choose_labels(products: dict[str, Product], mentions: list[Mention], category: str) -> None:
    for key, p in products.items():
        if key.startswith("#"):
            p.label = f"{category} {p.label}" if category else p.label
        else:
            counts = Counter(m.label for m in mentions if m.key == key)
            p.label = max(counts, key=lambda s: (counts[s] * (1 + 0.1 * len(s.split())), s))


def _propagate(mentions: list[Mention], n: int, quality: bool, on_sale: set[str]) -> list[str | None]:
    """The product each sentence is about: the latest mention (fast), or a decayed, sticky argmax (quality).
    Mentions of nouns not ``on_sale`` (props, when products are called by number) count less, or not at all."""
    labels: list[str | None] = [None] * n
    by_idx: dict[int, list[Mention]] = {}
    for m in mentions:
        by_idx.setdefault(m.idx, []).append(m)
    current: str | None = None
    if not quality:
        for i in range(n):
            here = [m for m in by_idx.get(i, []) if m.key in on_sale]
            if here:  # the strongest mention of the sentence, the last one on a tie
                current = max(reversed(here), key=lambda m: m.weight).key
            labels[i] = current
        return labels
    scores: dict[str, float] = {}
    for i in range(n):
        for k in scores:
            scores[k] *= 0.8
        for m in by_idx.get(i, []):
            w = m.weight if m.key in on_sale else m.weight * 0.3
            scores[m.key] = scores.get(m.key, 0.0) + w
        if scores:
            best = max(scores, key=lambda k: (scores[k], k))
            if current is None or (best != current and scores[best] > 1.25 * scores.get(current, 0.0)):
                current = best if scores[best] >= 1.0 else current
        labels[i] = current
    return labels


def _link_prices(texts, zh, quality, mentions, labels, products, on_sale, prices) -> None:
    for i, text in enumerate(texts):
        found = prices[i]
        if not found:
            continue
        key = None
        if zh and not quality:
            num = T.ZH_NUM.search(text)
            pos = num.start() if num else len(text)
            guess = _zh_fast_before_price(text, pos)
            if guess:
                key = guess
                if key not in products:
                    products[key] = Product(key, key, i, [i])
        if key is None and quality:
            cand: dict[str, float] = {}
            first_pos = _first_price_pos(text, zh)
            # a number called right after its price counts only when no number was called just before it
            ahead = not any(m.key.startswith("#") and i - 8 <= m.idx <= i for m in mentions)
            for m in mentions:
                if i - 8 <= m.idx <= i or (ahead and m.key.startswith("#") and i < m.idx <= i + 6):
                    # salience: a product talked about all along outweighs a prop named once near the price
                    w = m.weight * (0.8 ** abs(i - m.idx)) * (1.0 + math.log(len(products[m.key].mentions)))
                    if m.idx > i:  # named right after its price ("she's at $111 ... this one is number 52")
                        w *= 0.5
                    if m.idx == i:  # said in the price's own sentence: before the price is the product's slot
                        w *= 4.0 if m.pos <= first_pos else 1.0
                    if m.key not in on_sale:
                        w *= 0.3  # numbered products are the ones on sale; other nouns are props and tools
                    if not zh and m.key in _ACCESSORY_KEYS:
                        w *= 0.3  # the hot comb and the conditioner the host uses on the wig
                    cand[m.key] = cand.get(m.key, 0.0) + w
            if labels[i] is not None and _holds(labels[i], products, i):
                cand[labels[i]] = cand.get(labels[i], 0.0) + 1.0
            if cand:
                key = max(cand, key=lambda k: (cand[k], k))
                key = key if cand[key] >= 0.3 else ""  # nothing salient enough: the price stays unlinked
        if key is None:
            key = labels[i]
            if quality and key is not None and not _holds(key, products, i):
                key = None
        if not key or key not in products:
            continue
        for p in found:
            products[key].prices.append((i, p))


_ACCESSORY_KEYS = frozenset(T._stem(w) for w in EN_ACCESSORY_HEADS)


def _holds(key: str, products: dict[str, Product], i: int) -> bool:
    """A named product's hold on the talk fades: a price said long after its last mention is not its price.
    Numbered products hold until another number is called."""
    if key.startswith("#") or key not in products:
        return key in products
    last = max((m for m in products[key].mentions if m <= i), default=-99)
    return i - last <= 12


def _first_price_pos(text: str, zh: bool) -> float:
    if zh:
        m = T.ZH_NUM.search(text)
        return m.start() / max(1, len(text)) if m else 1.0
    words = T.en_words(text)
    nums = T.en_numbers(words)
    return nums[0].start / max(1, len(words)) if nums else 1.0


def _span(labels: list[str | None], key: str, p: Product, quality: bool) -> tuple[int, int] | None:
    runs: list[list[int]] = []
    for i, lab in enumerate(labels):
        if lab == key:
            if runs and i - runs[-1][1] <= (4 if quality else 1):
                runs[-1][1] = i
            else:
                runs.append([i, i])
    if not runs:
        if p.mentions:
            return (min(p.mentions), max(p.mentions + [i for i, _ in p.prices]))
        return None
    price_idx = [i for i, _ in p.prices]

    def score(r: list[int]) -> tuple[float, int]:
        inside = sum(r[0] <= m <= r[1] for m in p.mentions) + 2 * sum(r[0] <= q <= r[1] for q in price_idx)
        return (inside, -r[0])

    best = max(runs, key=score)
    return (best[0], best[1])


# --- names back to products (the locator's side) ----------------------------------------------------------------

_NAME_NUMBER = re.compile(r"(?:number|no\.?|#|编号)\s*(\d+|[a-z]+(?: [a-z]+)?)", re.I)


def name_key(name: str, zh: bool) -> str:
    """The product key a topic name refers to: "#13" for "wig number 13: $83", else its normalised noun."""
    base = re.split(r"[:：]", name, maxsplit=1)[0].strip()
    m = _NAME_NUMBER.search(base)
    if m and not zh:
        token = m.group(1).lower()
        if token.isdigit():
            return f"#{int(token)}"
        nums = T.en_numbers(T.en_words(token))
        if nums and nums[0].start == 0:
            return f"#{int(nums[0].value)}"
    if zh:
        return base
    words = [w for w in T.en_words(base) if w.isalpha() and w not in EN_STOP]
    heads = [w for w in words if w in EN_PRODUCT_HEADS]
    return T._stem(heads[-1]) if heads else (T._stem(words[-1]) if words else base.lower())


def match_product(name: str, analysis: Analysis, zh: bool) -> Product | None:
    """The analysed product a topic name refers to (exact name, then key, then name similarity)."""
    lowered = name.strip().lower()
    for p in analysis.products.values():
        if p.name.lower() == lowered or p.label.lower() == lowered:
            return p
    key = name_key(name, zh)
    if key in analysis.products:
        return analysis.products[key]
    base = re.split(r"[:：]", name, maxsplit=1)[0]
    best, best_sim = None, 0.0
    for p in analysis.products.values():
        sim = T.char_dice(base, p.label)
        if zh and (p.key in base or base in p.key):
            sim = max(sim, 0.8)
        if sim > best_sim or (sim == best_sim and best is not None and p.first < best.first):
            best, best_sim = p, sim
    return best if best_sim >= 0.5 else None


def name_mentions(name: str, texts: list[str], zh: bool) -> list[Mention]:
    """Mentions of a named topic the analysis did not find on its own (names from another engine or an LLM)."""
    base = re.split(r"[:：]", name, maxsplit=1)[0].strip()
    key = name_key(name, zh)
    out: list[Mention] = []
    if zh:
        grams = set(T.zh_bigrams(base))
        for i, t in enumerate(texts):
            if base and base in t:
                out.append(Mention(i, t.find(base) / max(1, len(t)), key, base, 2.0))
            elif grams and len(grams & set(T.zh_bigrams(t))) / len(grams) >= 0.5:
                out.append(Mention(i, 0.5, key, base, 1.0))
        return out
    toks = set(T.en_content(base))
    for i, t in enumerate(texts):
        have = set(T.en_content(t))
        if toks and len(toks & have) / len(toks) >= 0.5:
            out.append(Mention(i, 0.5, key, base, 1.0 + len(toks & have) / len(toks)))
    return out
