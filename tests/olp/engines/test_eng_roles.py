"""Every role task answered by both engines on small hand-made inputs, parsed by the lead's role parsers.

The expected answers are the ones a reader of the transcript would give.
"""

from __future__ import annotations

import pytest
from engine_cases import (
    COMMERCE_EN,
    COMMERCE_ZH,
    ENGINES,
    MEETING_EN,
    NEWS_EN,
    NEWS_ZH,
    ask,
    sentences,
)

from olp.engines import commerce
from olp.roles.chunk_splitter import SplitterInput
from olp.roles.content_organizer import OrganizerInput
from olp.roles.format_checker import FormatInput
from olp.roles.relationship_checker import CheckerInput, TopicRef
from olp.roles.topic_finder import FinderInput
from olp.roles.topic_locator import LocatorInput


def find_and_locate(engine, rows, profile):
    s = sentences(rows)
    topics, _ = ask(engine, "topic_finder", FinderInput(s), profile)
    spans = []
    for t in topics:
        span, _ = ask(engine, "topic_locator", LocatorInput(t, s, tuple(x for x in topics if x != t)), profile)
        spans.append(span)
    return topics, spans


@pytest.mark.parametrize("engine", ENGINES)
def test_commerce_en_products_prices_and_spans(engine):
    topics, spans = find_and_locate(engine, COMMERCE_EN, "ecommerce-en")
    assert len(topics) == 2
    assert "number 7" in topics[0] and "$89" in topics[0]
    assert "number 12" in topics[1] and "$120" in topics[1]
    assert spans == [(2, 5), (6, 9)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_product_introduced_by_name_after_a_numbered_one_is_its_own_topic(engine):
    # The bundled sample's shape: one product called by number, then the next introduced by name only.
    rows = [
        (1, "so moving on to number two we have the wool throw blanket"),
        (2, "this blanket is so soft you guys feel how thick it is"),
        (3, "the price tonight is forty five dollars"),
        (4, "go go go add to cart"),
        (5, "okay next let's talk about this cast iron skillet"),
        (6, "it's a ten inch skillet and it comes pre seasoned"),
        (7, "the price is twenty nine ninety nine tonight"),
        (8, "click the cart button and check out now"),
    ]
    topics, spans = find_and_locate(engine, rows, "ecommerce-en")
    assert len(topics) == 2, topics
    assert "number 2" in topics[0] and "$45" in topics[0]
    assert "skillet" in topics[1] and "$29.99" in topics[1]
    assert spans == [(1, 4), (5, 8)]


def test_a_try_on_show_changes_product_when_the_host_puts_the_next_one_on():
    # No numbers, no prices named with the change: the try-on itself is the cue.
    rows = [
        (1, "this silky straight wig is thirty inches long"),
        (2, "look at the shine on her, she moves so natural"),
        (3, "she is sixty nine dollars in the shop right now"),
        (4, "okay let me put on a little curly look for you"),
        (5, "these curls are so bouncy, i love the volume"),
        (6, "she is seventy nine dollars in the shop"),
    ]
    topics, spans = find_and_locate("quality", rows, "ecommerce-en")
    assert spans == [(1, 3), (4, 6)], (topics, spans)
    assert "$69" in topics[0] and "$79" in topics[1]


def test_commerce_zh_products_prices_and_spans_quality():
    topics, spans = find_and_locate("quality", COMMERCE_ZH, "ecommerce-zh")
    assert topics == ["碧螺春绿茶: 79元", "紫砂茶杯: 49元"]  # today's price, not the usual one
    assert spans == [(11, 14), (15, 18)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_time_word_glued_to_a_chinese_product_is_not_part_of_its_name(engine):
    rows = [(1, "接下来给大家介绍这款乌龙茶叶。"), (2, "这个茶叶口感特别清香。"), (3, "茶叶今天只要199元。"), (4, "抓紧时间下单。")]
    topics, _ = find_and_locate(engine, rows, "ecommerce-zh")
    assert topics and all("今天" not in t for t in topics), topics


def test_a_chinese_name_drops_its_measure_word_and_is_never_a_person():
    rows = [(1, "下面这条裙子是我们的新款。"), (2, "裙子是纯棉的面料特别舒服。"), (3, "这条裙子今天只要129元。"),
            (4, "好的接下来丽姐给大家上一双鞋子。"), (5, "这双鞋子鞋底特别软。"), (6, "丽姐说鞋子到手价89元。")]
    topics, _ = find_and_locate("quality", rows, "ecommerce-zh")
    names = [t.split(":")[0] for t in topics]
    assert names == ["裙子", "鞋子"], topics


def test_an_english_name_is_what_the_product_is_not_which_one():
    texts = ["ladies, let's try the next dress.", "the next dress fits every size.", "i use shampoo on it.",
             "we use shampoo daily, nineteen dollars."]
    labels = {m.label for m in commerce.analyze(texts, zh=False, quality=True).mentions}
    assert labels == {"dress", "shampoo"}, labels


def test_commerce_zh_fast_finds_both_prices():
    topics, spans = find_and_locate("fast", COMMERCE_ZH, "ecommerce-zh")
    assert [t.split(":")[1].strip() for t in topics] == ["79元", "49元"]
    assert all(a <= b for a, b in spans)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("rows", "profile", "cut"), [(NEWS_EN, "news-en", 106), (NEWS_ZH, "news-zh", 206),
                                                       (MEETING_EN, "meeting-en", 312)])
def test_segmentation_finds_both_topics(engine, rows, profile, cut):
    topics, spans = find_and_locate(engine, rows, profile)
    assert len(topics) == 2 and len(set(topics)) == 2
    assert spans == [(rows[0][0], cut - 1), (cut, rows[-1][0])]


def test_news_names_are_keywords_of_their_story():
    topics, _ = find_and_locate("quality", NEWS_EN, "news-en")
    assert any(w in topics[0].lower() for w in ("earthquake", "tsunami", "coast", "japan"))
    assert any(w in topics[1].lower() for w in ("united", "football", "match", "liverpool"))


@pytest.mark.parametrize("engine", ENGINES)
def test_commerce_organizer_en(engine):
    s = sentences(COMMERCE_EN[1:5])
    aspects, _ = ask(engine, "content_organizer", OrganizerInput("wig number 7: $89", s), "ecommerce-en")
    assert aspects == {"Opening": [2], "Order Urging": [5], "Price": [4], "Product Description": [3]}


def test_commerce_organizer_zh_quality():
    s = sentences(COMMERCE_ZH[:4])
    aspects, _ = ask("quality", "content_organizer", OrganizerInput("碧螺春绿茶: 79元", s), "ecommerce-zh")
    assert aspects == {"商品开场": [11], "引导购买": [14], "商品价格": [13], "商品介绍和卖点描述": [12]}


@pytest.mark.parametrize("engine", ENGINES)
def test_news_and_meeting_organizer(engine):
    news = sentences([(1, "The council will vote on the new budget next week."),
                      (2, "Analysts said the plan may face opposition."),
                      (3, "'This is a terrible idea,' said the mayor."),
                      (4, "The budget totals 4.2 million dollars.")])
    aspects, _ = ask(engine, "content_organizer", OrganizerInput("budget", news), "news-en")
    assert aspects["Future Plans"] == [1] and aspects["Facts"] == [4]
    assert 3 in aspects["Opinions"]
    meeting = sentences([(1, "A: We decided to use rubber buttons."), (2, "B: I will send the drawings tomorrow."),
                         (3, "C: Maybe we could try a curved case?"), (4, "D: How big is the battery?")])
    aspects, _ = ask(engine, "content_organizer", OrganizerInput("design", meeting), "meeting-en")
    assert aspects == {"Decisions": [1], "Action Items": [2], "Proposals": [3], "Discussion": [4]}


@pytest.mark.parametrize("engine", ENGINES)
def test_relationship_checker(engine):
    def check(a, b, profile, sa=(), sb=()):
        inp = CheckerInput(TopicRef(a, (1, 5), tuple(sentences(list(sa)))),
                           TopicRef(b, (6, 9), tuple(sentences(list(sb)))))
        return ask(engine, "relationship_checker", inp, profile)[0]

    same = check("wig number 13", "wig number 13: $83", "ecommerce-en")
    assert same.same and same.name == "wig number 13: $83"  # the merged name keeps the price
    assert not check("wig number 13: $83", "wig number 21: $64", "ecommerce-en").same
    assert check("碧螺春", "碧螺春: 58元", "ecommerce-zh").same
    assert not check("碧螺春绿茶: 79元", "紫砂茶杯: 49元", "ecommerce-zh").same
    # one product named short and full at the same price; the same short name at another price is another product
    assert check("钱包: 226元", "红色真皮钱包: 226元", "ecommerce-zh").same
    assert not check("马克杯: 288元", "白色玻璃马克杯: 117元", "ecommerce-zh").same
    assert not check("coast tsunami", "United football", "news-en", NEWS_EN[:5], NEWS_EN[5:]).same
    assert check("earthquake Japan", "tsunami coast", "news-en", NEWS_EN[:3], NEWS_EN[2:5]).same


@pytest.mark.parametrize("engine", ENGINES)
def test_format_checker_repairs(engine):
    inp = FormatInput(" wig\n number 7 ", {"price": [4, 4, 99], "Opening": [[2, "text"]], "bogus": [3]}, (2, 3, 4, 5))
    answer, _ = ask(engine, "format_checker", inp, "ecommerce-en")
    placed = sorted(i for ids in answer.aspects.values() for i in ids)
    assert placed == [2, 3, 4, 5]  # every allowed id once, the unknown 99 gone
    assert list(answer.aspects) == ["Opening", "Order Urging", "Price", "Product Description"]
    assert answer.aspects["Price"][0] == 4 and answer.aspects["Opening"][0] == 2
    assert answer.topic and "\n" not in answer.topic
    zh, _ = ask(engine, "format_checker", FormatInput("茶", {"Price": [1], "(1)": [2]}, (1, 2)), "ecommerce-zh")
    assert zh.aspects["商品价格"] == [1] and zh.aspects["商品开场"] == [2]


@pytest.mark.parametrize("engine", ENGINES)
def test_chunk_splitter(engine):
    tail = sentences(COMMERCE_EN)
    # the last topic runs to the end of the chunk: re-read it with what follows
    nxt, _ = ask(engine, "chunk_splitter", SplitterInput(tail, (("number 7", 2, 5), ("number 12", 6, 9)), 9),
                 "ecommerce-en")
    assert nxt == 6
    # a new product opened after the last topic: the next chunk starts at that opening
    nxt, _ = ask(engine, "chunk_splitter", SplitterInput(tail, (("number 7", 2, 5),), 9), "ecommerce-en")
    assert nxt == 6
    news = sentences(NEWS_EN)
    nxt, _ = ask(engine, "chunk_splitter", SplitterInput(news, (("quake", 101, 105), ("football", 106, 110)), 110),
                 "news-en")
    assert nxt == 106


@pytest.mark.parametrize("engine", ENGINES)
def test_the_next_product_put_up_on_the_same_link_is_another_topic(engine):
    def check(b_rows):
        inp = CheckerInput(TopicRef("lamp number 1: $60", (1, 5), tuple(sentences([(1, "this desk lamp is link number one")]))),
                           TopicRef("lamp number 1: $45", (6, 9), tuple(sentences(list(enumerate(b_rows, 6))))))
        return ask(engine, "relationship_checker", inp, "ecommerce-en")[0].same

    # the host moves on and puts the next lamp on link one again: another product
    assert not check(["okay let me show you the next one", "this one is also on link number one for forty five dollars"])
    # the same link talked about further: the same product
    assert check(["and it is forty five dollars now", "grab it on link number one"])
