"""Live-commerce segmentation on hand-made transcripts (written for these tests, not taken from any label file).

What a viewer of the show would say: which stretches present which product, and what each is called.
"""

from __future__ import annotations

import pytest

from olp.engines import segments as S

FASHION_EN = [
    "hi everyone welcome back to the runway show tonight",
    "thank you all for joining us so much fun today",
    "this is our floral ruffle sleeve dress in sage green",
    "the dress has a smocked waist and it is so flowy",
    "you can wear this dress to a garden party or a brunch",
    "i love how the ruffle sleeve dress moves on the runway",
    "okay next one",
    "this is our cropped tweed jacket with gold buttons",
    "the jacket is boxy and it pairs with jeans or a skirt",
    "tweed jacket is a must for the fall season",
    "layer the jacket over a turtleneck and you are done",
]

WIGS_EN = [
    "alright let's go to number fourteen now",
    "number fourteen is a honey blonde body wave wig",
    "this wig is so soft and full",
    "this is our number one best seller by the way",
    "she is only eighty nine dollars tonight",
    "add her to your cart",
    "okay i'm gonna try on number twenty two",
    "number twenty two is a curly bob",
    "look at those curls",
    "she is sixty five dollars",
]

LINKS_ZH = [
    "家人们晚上好，欢迎来到直播间",
    "先给大家看一下三号链接的保温杯",
    "这个保温杯是三百一十六不锈钢的，保温十二个小时",
    "保温杯容量五百毫升，上班带着很方便",
    "今天保温杯只要三十九块九",
    "倒计时五四三二一上链接，一号链接，三号链接都可以拍",
    "好，接下来给大家介绍这款羊毛围巾",
    "这个围巾是百分之百羊毛的，很暖和",
    "围巾有五个颜色，今天只要八十九块钱",
    "喜欢围巾的直接拍",
]


def _names(rows, zh):
    return [(s.start, s.end, S.plain_name(s.name)) for s in S.segment(rows, zh, True)]


def test_products_presented_without_a_price_are_stretches_of_their_own():
    segs = _names(FASHION_EN, False)
    assert len(segs) == 2, segs
    (a0, a1, dress), (b0, b1, jacket) = segs
    assert "dress" in dress and "jacket" in jacket
    assert (a0, a1) == (2, 5) and (b0, b1) == (6, 10)  # the welcome is not the dress; "next one" starts the jacket


def test_numbered_calls_start_stretches_and_a_ranking_is_not_a_call():
    segs = _names(WIGS_EN, False)
    assert [n for _, _, n in segs] == ["wig number 14: $89", "wig number 22: $65"], segs
    assert [(a, b) for a, b, _ in segs] == [(0, 5), (6, 9)]


def test_a_link_called_while_the_current_one_goes_up_is_not_a_new_product():
    segs = _names(LINKS_ZH, True)
    assert len(segs) == 2, segs
    (a0, a1, cup), (b0, b1, scarf) = segs
    assert "保温杯" in cup and "39.9元" in cup
    assert "围巾" in scarf and "89元" in scarf
    assert (a0, a1, b0, b1) == (1, 5, 6, 9)


def test_names_in_one_chunk_are_unique_and_the_document_drops_the_marker():
    rows = ["okay next one this is our leather bag", "the bag is soft", "the bag is roomy", "so pretty",
            "okay next one this is our leather bag in black", "the bag has a chain strap", "the bag is light",
            "love it"]
    names = [s.name for s in S.segment(rows, False, True)]
    assert len(names) == len(set(names)) == 2
    assert S.plain_name(names[1]) == S.plain_name(names[0]) != names[1]
    assert S.plain_name("bag (2): $499") == "bag: $499" and S.plain_name("set (2 pieces)") == "set (2 pieces)"


@pytest.mark.parametrize("zh", [False, True])
def test_chit_chat_alone_is_no_product(zh):
    rows = ["谢谢大家的关注", "今天天气真好", "大家吃饭了吗"] if zh else ["thanks for the follow", "how is everyone", "ok"]
    segs = S.segment(rows, zh, True)
    assert all(s.name == S.GENERIC[zh] for s in segs)


@pytest.mark.parametrize("text, surfaces", [
    ("today final price on this one only at four hundred ninety nine", ["$499"]),  # no currency said
    ("only four hundred ninety nine pesos for you", ["499 pesos"]),
    ("we only have a few hundred left", []),  # stock, not a price
    ("it's about five pounds so it is light", []),  # a weight
])
def test_prices_as_hosts_say_them(text, surfaces):
    from olp.engines import text as T

    assert [p.surface for p in T.en_prices(text) if not p.regular] == surfaces


def test_the_price_said_most_often_names_the_stretch():
    rows = ["okay next one this is our linen shirt", "the regular price is forty two dollars",
            "today the shirt is only twenty nine dollars", "twenty nine dollars for the linen shirt",
            "shirt comes in three colours"]
    (seg,) = S.segment(rows, False, True)
    assert seg.name == "linen shirt: $29"


def test_on_a_tie_the_price_said_last_names_the_stretch():
    # a price said once early (another product's), and this one's said once at the end
    rows = ["next one this is our jacket", "that cap is nineteen dollars", "the jacket is so warm",
            "and the jacket is twenty five dollars"]
    (seg,) = S.segment(rows, False, True)
    assert seg.name == "jacket: $25"


def test_a_price_the_asr_heard_short_counts_for_the_full_one():
    # "two hundred nine" and "two hundred" are "two hundred ninety nine" with a word dropped
    rows = ["next one this is our canvas backpack", "today only two hundred nine", "only two hundred",
            "just two hundred ninety nine for the canvas backpack", "only two hundred nine"]
    (seg,) = S.segment(rows, False, True)
    assert seg.name == "canvas backpack: $299"
    # with no full reading said, the heard one stands
    (seg,) = S.segment([*rows[:2], "the canvas backpack is water proof"], False, True)
    assert seg.name == "canvas backpack: $209"


def test_todays_price_names_the_stretch_over_the_usual_one():
    rows = ["来看一下这款保温杯", "保温杯平常买要八十九块钱，八十九块钱", "今天直播间只要三十九块钱", "保温杯有三个颜色"]
    (seg,) = S.segment(rows, True, True)
    assert seg.name == "保温杯: 39元"


def test_a_host_putting_up_the_next_product_starts_its_stretch():
    zh = ["这个保温杯真的很好用", "保温杯可以保温十二个小时", "保温杯今天只要三十九块", "好，给大家上一个围巾啊",
          "这个围巾是羊毛的", "围巾今天只要六十九块"]
    assert [(a, b) for a, b, _ in _names(zh, True)] == [(0, 2), (3, 5)]
    zh[3] = "好，那我把围巾也给你们上了"
    assert [(a, b) for a, b, _ in _names(zh, True)] == [(0, 2), (3, 5)]
    zh[3] = "然后把那个围巾给我拿一条过来"
    assert [(a, b) for a, b, _ in _names(zh, True)] == [(0, 2), (3, 5)]
    en = ["number three is a cedar candle", "it burns for forty hours", "okay come with me to number seven",
          "seven smells like fresh linen", "it is so soft"]
    assert [(a, b) for a, b, _ in _names(en, False)] == [(0, 1), (2, 4)]



def test_a_product_named_only_by_the_shows_category_is_a_stretch_of_its_own():
    # a show of numbered lamps opens with one it never numbers
    en = ["okay look at this brass desk lamp", "the brass desk lamp has a warm light", "isn't she gorgeous",
          "thank you all for joining", "now let's go to number twelve", "number twelve has a linen shade",
          "number twelve is forty dollars"]
    segs = _names(en, False)
    assert [(a, b) for a, b, _ in segs] == [(0, 3), (4, 6)], segs
    assert "desk lamp" in segs[0][2] and segs[1][2] == "lamp number 12: $40"


@pytest.mark.parametrize("call", ["alright, number nine, this one is my favourite", "let's put on number nine for you",
                                  "okay next we have number nine"])
def test_ways_a_host_calls_the_next_number(call):
    en = ["number three is our cedar candle", "the cedar candle burns for forty hours", "it smells so good",
          call, "she has a linen shade", "number nine is thirty dollars"]
    assert [(a, b) for a, b, _ in _names(en, False)] == [(0, 2), (3, 5)]
