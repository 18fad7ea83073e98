"""Text utilities for the local engines: language, tokens, spoken and Chinese numbers, prices, vectors, cohesion.

jieba and numpy are imported lazily, inside the functions that need them, so ``import olp.engines`` stays light.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from olp.engines.cues import (
    EN_CURRENCY,
    EN_DEAL_BEFORE,
    EN_REGULAR_BEFORE,
    EN_STOP,
    ZH_DEAL_BEFORE,
    ZH_DISCOUNT_BEFORE,
    ZH_NOT_PRICE_AFTER,
    ZH_NOT_PRICE_BEFORE,
    ZH_PRICE_CUES,
    ZH_PRICE_UNITS,
    ZH_REGULAR_BEFORE,
    ZH_STOP,
)

CJK = re.compile(r"[\u3400-\u9fff]")
_SPEAKER = re.compile(r"^\s*[^:：\n]{1,40}[:：]\s+")
_MARKUP = re.compile(r"\{[a-z_ ]+\}")
_EN_WORD = re.compile(r"\$|%|\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)?|[,.;:!?]")


def is_zh(text: str) -> bool:
    """True when at least a fifth of the letters are CJK ideographs."""
    cjk = len(CJK.findall(text))
    return cjk > 0 and cjk * 5 >= len(re.findall(r"[A-Za-z\u3400-\u9fff]", text))


def strip_speaker(text: str) -> str:
    """Meeting turns are "Speaker: content"; the speaker's name says nothing about the topic."""
    return _MARKUP.sub(" ", _SPEAKER.sub("", text, count=1))


# --- tokens ----------------------------------------------------------------------------------------------------


def _stem(word: str) -> str:
    # A light stemmer: enough to match "wigs"/"wig" and "discussed"/"discuss" in cohesion and name matching.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def en_words(text: str) -> list[str]:
    """Lower-cased English words, digits, ``$`` and ``%``, in order."""
    return _EN_WORD.findall(_ASR_GLUE.sub(r"\1 ", text.lower()))


#: ASR glues the cents to the currency word: "ninety nine dollarsninety nine".
_ASR_GLUE = re.compile(
    r"\b(dollars?|bucks|pounds?)(?=(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b)"
)


def en_content(text: str) -> list[str]:
    """Stemmed English content words (no stopwords, no numbers, no one-letter words)."""
    return [_stem(w) for w in en_words(text) if len(w) > 2 and w not in EN_STOP and w.isalpha()]


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def zh_words(text: str) -> list[str]:
    """jieba words of a Chinese text (the quality engine's tokens)."""
    return _jieba().lcut(text)


def zh_pos(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs from jieba.posseg (the quality engine's noun finder)."""
    _jieba()
    import jieba.posseg as pseg

    return [(p.word, p.flag) for p in pseg.cut(text)]


def zh_content(text: str) -> list[str]:
    """Chinese content words: jieba words of two or more characters that are not stopwords or numbers."""
    out = []
    for w in zh_words(text):
        w = w.strip().lower().strip(_ZH_FILLERS)
        if len(w) < 2 or w in ZH_STOP or ZH_NUM_ONLY.fullmatch(w) or ZH_NUM.match(w):
            continue
        if CJK.search(w) or (w.isalnum() and len(w) > 2 and not w.isdigit()):
            out.append(w)
    return out


def zh_bigrams(text: str) -> list[str]:
    """Character bigrams of the CJK runs (the fast engine's Chinese tokens: no dictionary needed)."""
    out = []
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        run = "".join(c for c in run if c not in _ZH_STOP_CHARS)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


_ZH_FILLERS = "哈呃啊嗯哎呀吧呢吗嘛哦噢额唉啦咯哇"
_ZH_STOP_CHARS = frozenset("的了是我你他她它这那就都也还在有和啊呀吧呢吗哈嘛哦噢嗯呃额哎唉啦咯哇对好个一不没很")


def content_tokens(text: str, zh: bool, *, fast: bool = False) -> list[str]:
    """Content tokens for cohesion and keywords: English stems; Chinese jieba words (or bigrams when ``fast``)."""
    if zh:
        return zh_bigrams(text) if fast else zh_content(text)
    return en_content(text)


# --- numbers ---------------------------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000}
_UNIT_WORDS = {v: k for k, v in _UNITS.items()}
_TENS_WORDS = {v: k for k, v in _TENS.items() if k != "fourty"}


@dataclass(frozen=True)
class Number:
    """A number said in a text: word positions ``[start, end)`` (English) or character positions (Chinese)."""

    start: int
    end: int
    value: float
    currency: str = ""  # said inside the number ("nineteen dollars ninety nine")


#: How ASR hears a "nine" said after "hundred" ("only four hundred nights", "six hundred nice nine").
_NINE_HEARD = frozenset({"nines", "night", "nights", "nice", "nite"})


def _digit(words: list[str], k: int) -> int | None:
    """The digit words[k] says, if it is one (a heard "nine" included)."""
    if k >= len(words):
        return None
    w = words[k]
    return 9 if w in _NINE_HEARD else _UNITS[w] if w in _UNITS and _UNITS[w] < 10 else None


def en_numbers(words: list[str]) -> list[Number]:
    """Numbers in a list of English words: digits and spoken numbers ("one hundred eleven", "two forty four")."""
    out: list[Number] = []
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if re.fullmatch(r"\d+(?:[.,]\d+)*", w):
            try:
                out.append(Number(i, i + 1, float(w.replace(",", ""))))
            except ValueError:
                pass
            i += 1
            continue
        if w not in _UNITS and w not in _TENS and w not in _SCALES:
            i += 1
            continue
        start, total, cur, last, j = i, 0, 0, "", i
        while j < n:
            w = words[j]
            after_hundred = last == "scale" and cur % 100 == 0 and cur
            if after_hundred and (u := _digit(words, j)) is not None and (u2 := _digit(words, j + 1)) is not None \
                    and _digit(words, j + 2) is None and words[j + 2 : j + 3] != ["hundred"]:
                # "four hundred nine nine", "six hundred nice nine": the hundreds, then the last two digits one by one
                cur += 10 * u + u2
                last, j = "unit", j + 2
                break
            if after_hundred and w in _NINE_HEARD:
                w = "nine"
            if w in _UNITS:
                u = _UNITS[w]
                if last == "" or (last == "tens" and u < 10) or (last == "scale" and (cur % 100 == 0)):
                    cur += u
                elif last == "unit" and cur < 10 and u >= 10 and not total:
                    cur = cur * 100 + u  # "one eleven" -> 111 (spoken prices)
                else:
                    break
                last = "unit"
            elif w in _TENS:
                t = _TENS[w]
                if last == "" or (last == "scale" and cur % 100 == 0):
                    cur += t
                elif last == "unit" and 0 < cur < 10 and not total:
                    cur = cur * 100 + t  # "two forty four" -> 244
                else:
                    break
                last = "tens"
            elif w in _SCALES:
                if last == "scale":
                    break
                if _SCALES[w] == 100:
                    cur = (cur or 1) * 100
                else:
                    total += (cur or 1) * 1000
                    cur = 0
                last = "scale"
            elif w == "and" and last == "scale" and j + 1 < n and (words[j + 1] in _UNITS or words[j + 1] in _TENS
                                                                  or words[j + 1] in _NINE_HEARD):
                pass
            else:
                break
            j += 1
        out.append(Number(start, j, float(total + cur)))
        i = max(j, i + 1)
    return out


def en_number_words(value: int) -> str:
    """A number as spoken English (0-999): 13 -> "thirteen", 52 -> "fifty two"."""
    if value < 20:
        return _UNIT_WORDS.get(value, str(value))
    if value < 100:
        tens, unit = divmod(value, 10)
        return _TENS_WORDS[tens * 10] + (f" {_UNIT_WORDS[unit]}" if unit else "")
    if value < 1000:
        h, rest = divmod(value, 100)
        return f"{_UNIT_WORDS[h]} hundred" + (f" {en_number_words(rest)}" if rest else "")
    return str(value)


_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_SCALES = {"十": 10, "百": 100, "千": 1000, "万": 10000}
ZH_NUM = re.compile(r"[零〇一二两三四五六七八九十百千万]+|[0-9０-９]+(?:[.．][0-9０-９]+)?")
ZH_NUM_ONLY = re.compile(r"[零〇一二两三四五六七八九十百千万0-9０-９.．]+")


def zh_value(s: str) -> float | None:
    """The value of a Chinese or Arabic numeral: "七十六" -> 76, "一三九" -> 139, "２４９" -> 249."""
    s = s.translate(_FULLWIDTH)
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if (m := re.fullmatch(r"([一二两三四五六七八九])[一二两三四五六七八九]([十百千万])", s)):  # "三四百": 300-400
        return float(_ZH_DIGITS[m.group(1)] * _ZH_SCALES[m.group(2)])
    if not any(c in _ZH_SCALES for c in s):  # digit by digit: "一三九"; longer runs are countdowns or phone numbers
        return float("".join(str(_ZH_DIGITS[c]) for c in s)) if 0 < len(s) <= 4 else None
    total, section, num, prev_digit = 0, 0, 0, False
    for c in s:
        if c in _ZH_DIGITS:
            if prev_digit:  # "九十九一口价": the number ended at the first digit
                break
            num, prev_digit = _ZH_DIGITS[c], c not in "零〇"
            continue
        prev_digit = False
        scale = _ZH_SCALES[c]
        if scale == 10000:
            total += (section + num) * scale
            section = 0
        else:
            section += (num or 1) * scale
        num = 0
    return float(total + section + num)


_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


# --- prices ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    """A price said in a sentence. ``discount`` marks money off ("twenty bucks off", "减了一百块钱")."""

    value: float
    surface: str
    discount: bool = False
    strong: bool = True  # said with a currency unit or sign; weak prices are bare numbers near buying words
    regular: bool = False  # the usual price said before today's ("日常价一百二十九", "original price $120")
    deal: bool = False  # said as today's price ("到手价七十九", "but today only four hundred nine")


def _cued(before: list[str] | str, regular_cues, deal_cues) -> tuple[bool, bool]:
    """(regular, deal) from the words (or characters) said just before a price: the nearer cue wins, so
    "today you'd normally pay $80" is the regular price and "normally $80, today only $50" has a deal."""
    def last(cues) -> int:
        if isinstance(before, str):
            return max((before.rfind(c) + len(c) for c in cues if c in before), default=-1)
        return max((i for i, w in enumerate(before) if w in cues), default=-1)

    r, d = last(regular_cues), last(deal_cues)
    return r > d, d > r


_EN_VOUCHER = re.compile(r"\boff (?:of )?(?:your |all |any )?orders?\b|\borders? (?:over|above)\b")


def en_prices(text: str) -> list[Price]:
    """Prices in an English sentence: "$89", "eighty three bucks", "one hundred eleven dollars", "$ five"."""
    words = en_words(text)
    out: list[Price] = []
    nums = _spoken_cents(words, en_numbers(words))
    # "seven to eight hundred dollars", "five or six bucks": a range is a guess, not a price
    ranged = {k for a, b in zip(nums, nums[1:]) if words[a.end : b.start] in (["to"], ["or"], ["dollars", "to"])
              for k in (a.start, b.start)}
    for num in nums:
        if not 0 < num.value <= 100000 or num.start in ranged:
            continue
        before = words[num.start - 1] if num.start else ""
        after = words[num.end] if num.end < len(words) else ""
        after2 = words[num.end + 1] if num.end + 1 < len(words) else ""
        cents = words[num.end - 1] in {"cents", "cent"} or num.currency  # "… dollars and fifty cents"
        if before == "$" or after in EN_CURRENCY or after in _EN_OTHER_CURRENCY or cents:
            lead = words[num.start - 2] if before == "$" and num.start > 1 else before
            context = " ".join(words[max(0, num.start - 6) : num.start])
            discount = (
                after2 in {"off", "discount"}
                or lead in {"save", "saving", "extra", "another", "those"}
                or bool(re.search(r"\b(used to pay|used to spend|paid|pay them|be paying|i.m paying|have to pay|"
                                  r"would pay|would cost|would spend)\b", context))  # not this product's price
            )
            regular, deal = _cued(words[max(0, num.start - 6) : num.start], EN_REGULAR_BEFORE, EN_DEAL_BEFORE)
            if num.currency in {"pound", "pounds"}:  # pounds only with pence: "eleven pound eighty nine"
                surface = f"£{num.value:.2f}"
            elif after in _EN_OTHER_CURRENCY:
                surface = _EN_OTHER_CURRENCY[after](num.value)
            else:
                surface = _fmt_usd(num.value)
            out.append(Price(num.value, surface, discount=discount, regular=regular, deal=deal))
        elif after in {"percent", "%"} and after2 == "off":
            out.append(Price(num.value, f"{num.value:g}% off", discount=True))
        elif (
            num.value >= 10
            and (" ".join(words[max(0, num.start - 2) : num.start]).endswith(_EN_PRICE_LEAD)
                 or (num.end - num.start >= 2 and round(num.value * 100) % 100 in _PRICE_CENTS)  # "eleven ninety nine"
                 or (num.end - num.start >= 3 and num.value >= 100 and num.value % 100 == 99)  # "four hundred ninety nine"
                 or (_EN_PRICE_NEAR & set(words[max(0, num.start - 4) : num.start]) and before not in _EN_VAGUE))
            and after not in _EN_NOT_MONEY
        ):
            regular, deal = _cued(words[max(0, num.start - 6) : num.start], EN_REGULAR_BEFORE, EN_DEAL_BEFORE)
            out.append(Price(num.value, _fmt_usd(num.value), strong=False, regular=regular, deal=deal))
    # "you get up to nine dollars off of orders three hundred plus": money off orders is a voucher, and every
    # amount said with it is the voucher's, not a product's price
    if _EN_VOUCHER.search(" ".join(words)):
        out = [replace(p, discount=True) for p in out]
    # "starting at one hundred, not even starting, going for one hundred eleven dollars": the restated price counts
    if any(p.strong and not p.discount for p in out):
        out = [p for p in out if p.strong]
    return out


def _spoken_cents(words: list[str], nums: list[Number]) -> list[Number]:
    """Dollars and cents said apart: "twenty nine ninety nine" is 29.99, and so is "twenty nine dollars and
    ninety nine cents" (the currency word then follows the cents)."""
    out: list[Number] = []
    i = 0
    while i < len(nums):
        num = nums[i]
        nxt = nums[i + 1] if i + 1 < len(nums) else None
        spoken = not re.fullmatch(r"[\d.,]+", words[num.start])
        called = num.start > 0 and words[num.start - 1] in {"number", "no", "#"}  # "number thirteen eighty nine"
        if (nxt is not None and spoken and not called and num.value == int(num.value) and 0 < num.value < 1000
                and 0 < nxt.value < 100):
            between = words[num.end : nxt.start]
            if not between and nxt.value >= 10 and not re.fullmatch(r"[\d.,]+", words[nxt.start]):
                out.append(Number(num.start, nxt.end, num.value + nxt.value / 100))
                i += 2
                continue
            cents_after = words[nxt.end] if nxt.end < len(words) else ""
            if between in (["dollars", "and"], ["dollars"], ["bucks", "and"]) and cents_after in {"cents", "cent"}:
                out.append(Number(num.start, nxt.end + 1, num.value + nxt.value / 100))
                i += 2
                continue
            # "nineteen dollars ninety nine", "eleven pound eighty nine": the cents follow the currency word
            if (len(between) == 1 and between[0] in _CENTS_AFTER and nxt.value >= 10
                    and not re.fullmatch(r"[\d.,]+", words[nxt.start]) and cents_after not in _NOT_CENTS_AFTER):
                out.append(Number(num.start, nxt.end, num.value + nxt.value / 100, currency=between[0]))
                i += 2
                continue
        out.append(num)
        i += 1
    return out


#: Cents a price ends in, said as dollars and cents ("eleven ninety nine", "twenty four ninety five").
_PRICE_CENTS = frozenset({49, 95, 98, 99})
#: Currency words the cents may follow ("nineteen dollars ninety nine", "eleven pound eighty nine"), and words
#: after which the second number is not cents ("three dollars twenty people").
_CENTS_AFTER = frozenset({"dollar", "dollars", "buck", "bucks", "pound", "pounds"})
_NOT_CENTS_AFTER = frozenset("percent % people times pieces minutes seconds hours days years inches pounds".split())
_EN_PRICE_LEAD = ("going for", "starting at", "starts at", "only", "just", "price is", "costs", "cost", "for only",
                  "is at", "at only", "priced at", "pay")
#: Currencies other than dollars, as the price is written in a topic name.
_EN_OTHER_CURRENCY = {
    **dict.fromkeys(("peso", "pesos"), lambda v: f"{v:g} pesos"),
    "quid": lambda v: f"£{v:g}",  # not "pounds": "it's about five pounds" is its weight
    **dict.fromkeys(("euro", "euros"), lambda v: f"€{v:g}"),
}
#: A number said shortly after one of these words is a price even without a currency ("today final price on this
#: one only at four hundred ninety nine").
_EN_PRICE_NEAR = frozenset("price priced only today".split())
_EN_VAGUE = frozenset("few several couple many".split())  # "we only have a few hundred"
_EN_NOT_MONEY = frozenset("inch inches percent % minutes minute seconds hours days weeks years degrees k likes "
                          "people times pieces".split())


def _fmt_usd(v: float) -> str:
    return f"${v:.2f}" if v != int(v) else f"${int(v)}"


def zh_prices(text: str) -> list[Price]:
    """Prices in a Chinese sentence: "七十六块", "¥76", "十九块九", "一百四十九", or a bare "七十六" near buying words."""
    out: list[Price] = []
    for m in ZH_NUM.finditer(text):
        value = zh_value(m.group())
        if value is None or not 0 < value <= 1000000:
            continue
        before, after = text[max(0, m.start() - 3) : m.start()], text[m.end() : m.end() + 3]
        unit = next((u for u in ZH_PRICE_UNITS if after.startswith(u)), "")
        if unit == "米" and (after.startswith(("米色", "米白", "米饭")) or value < 10 or re.match(r"米[一二三四五六七八九]", after)):
            unit = ""  # "一米六" is a height, "米色" a colour
        sign = before.endswith(("¥", "￥"))
        discount = any(before.endswith(d) or before[-2:-1] == d for d in ZH_DISCOUNT_BEFORE)
        if before.endswith(("上", "几")) and m.group()[0] in "百千万":
            continue  # "上千块钱", "几千块钱": a guess, not a price
        if re.match(r"(?:块钱|块|元)?的?(?:运费|邮费)", text[m.end() : m.end() + 6]):
            continue  # "十块钱的运费": shipping, not the product's price
        if before.endswith("幺"):
            continue  # "幺五五到幺八零": heights and sizes are read digit by digit with 幺 for one; prices are not
        clause = re.split(r"[。！？!?]", text[max(0, m.start() - 14) : m.start()])[-1]
        regular, deal = _cued(clause, ZH_REGULAR_BEFORE, ZH_DEAL_BEFORE)
        if unit == "块" and set(m.group()) == {"一"} and not after.startswith("块钱"):
            unit = ""  # "咱俩一块去": together, not one yuan
        if unit or sign:
            rest = text[m.end() + len(unit) : m.end() + len(unit) + 3]
            counted = rest[1:2] in _ZH_MEASURE and rest[1:3] != "包邮"  # "一件" counts items; "九包邮" is jiao
            if unit and (v := zh_value_head(rest)) is not None and v < 10 and not counted:
                value += v / 10  # "十九块九" -> 19.9, but "163元一件" is 163 for one
            out.append(Price(value, _fmt_cny(value), discount=discount, regular=regular, deal=deal))
        elif (
            value >= 10
            and any(c in text[max(0, m.start() - 6) : m.end() + 6] for c in ZH_PRICE_CUES)
            and not any(after.startswith(a) for a in ZH_NOT_PRICE_AFTER)
            and not any(before.endswith(b) for b in ZH_NOT_PRICE_BEFORE)
            and not re.match(r"[0-9０-９%％]", after)
        ):
            out.append(Price(value, _fmt_cny(value), discount=discount, strong=False, regular=regular, deal=deal))
    return out


#: Measure words: a digit before one of these counts items ("一件", "两盒"), not jiao.
_ZH_MEASURE = frozenset("件个盒包瓶支条双套只份袋罐片颗粒斤克张本台杯块箱桶")


def zh_value_head(s: str) -> float | None:
    m = re.match(r"[一二两三四五六七八九]", s)
    return float(_ZH_DIGITS[m.group()]) if m else None


def _fmt_cny(v: float) -> str:
    return f"{v:g}元"


def prices(text: str, zh: bool) -> list[Price]:
    return zh_prices(text) if zh else en_prices(text)


def sentence_prices(texts: list[str], zh: bool) -> list[list[Price]]:
    """Each sentence's prices, a number the ASR broke across two lines read whole: "only at a four hundred" /
    "nine and also, if you place your order" is four hundred nine, said in the first sentence."""
    out = [prices(t, zh) for t in texts]
    if zh:
        return out
    words = [en_words(t) for t in texts]
    for i in range(len(texts) - 1):
        if (tail := _number_tail(words[i], words[i + 1])) is not None:
            out[i] = en_prices(f"{texts[i]} {' '.join(tail)}")
            # the words it lent are not a number of their own
            out[i + 1] = en_prices(" ".join(words[i + 1][len(tail):]))
        elif (lead := _price_lead(words[i], words[i + 1])) is not None and (
                # the next line's number runs on into the line after ("one hundred" / "nineteen"): not this price
                i + 2 >= len(texts) or _number_tail(words[i + 1], words[i + 2]) is None):
            out[i + 1] = en_prices(f"{' '.join(lead)} {texts[i + 1]}")
    return out


def _price_lead(words: list[str], nxt: list[str]) -> list[str] | None:
    """The words a sentence ends with when they lead into the price the next one opens with ("but today only at" /
    "four hundred ninety nine.")."""
    if not nxt or (nxt[0] not in _UNITS and nxt[0] not in _TENS):
        return None
    if len(words) < 3:  # a line of a word or two (ASR that breaks every few words) is no sentence to lead from
        return None
    lead: list[str] = []
    for w in reversed(words[-6:]):
        if not w.isalpha() or w in _UNITS or w in _TENS or w in _SCALES:
            break
        lead.insert(0, w)
    if lead and (" ".join(lead).endswith(_EN_PRICE_LEAD) or (EN_DEAL_BEFORE | _EN_PRICE_NEAR) & set(lead[-3:])):
        return lead
    return None


def _number_tail(words: list[str], nxt: list[str]) -> list[str] | None:
    """The number words (and currency) the next sentence opens with, when a sentence ends inside a number
    ("... four hundred" / "nine ...")."""
    if not words or words[-1] not in _SCALES or (len(words) > 1 and words[-2] not in _UNITS):
        return None
    k = 0
    while k < min(len(nxt), 3) and (nxt[k] in _UNITS or nxt[k] in _TENS or nxt[k] in _NINE_HEARD
                                    or (k == 0 and nxt[k] == "and")):
        k += 1
    if not k or nxt[:k] == ["and"]:
        return None
    if k < len(nxt) and (nxt[k] in EN_CURRENCY or nxt[k] in _EN_OTHER_CURRENCY):  # "nineteen dollars": its currency too
        k += 1
    return nxt[:k]


# --- vectors and cohesion ---------------------------------------------------------------------------------------


def tfidf_matrix(docs: list[list[str]]):
    """Row-normalised TF-IDF vectors (numpy) of token lists, and the vocabulary."""
    import numpy as np

    vocab: dict[str, int] = {}
    for toks in docs:
        for t in toks:
            vocab.setdefault(t, len(vocab))
    mat = np.zeros((len(docs), max(1, len(vocab))), dtype=np.float64)
    for i, toks in enumerate(docs):
        for t, c in Counter(toks).items():
            mat[i, vocab[t]] = 1.0 + math.log(c)
    df = (mat > 0).sum(axis=0)
    mat *= np.log((len(docs) + 1) / (df + 1)) + 1.0
    return mat, vocab


def cosine(a: Counter, b: Counter) -> float:
    """Cosine of two bags of words."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def char_dice(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two strings (names in any language)."""
    def grams(s: str) -> Counter:
        s = re.sub(r"\s+", " ", s.lower()).strip()
        return Counter(s[i : i + 2] for i in range(len(s) - 1)) if len(s) > 1 else Counter(s)

    ga, gb = grams(a), grams(b)
    if not ga or not gb:
        return 0.0
    return 2 * sum((ga & gb).values()) / (sum(ga.values()) + sum(gb.values()))
