"""Numbers, prices and tokens: the lexical ground both engines stand on."""

from __future__ import annotations

import pytest

from olp.engines import text as T


@pytest.mark.parametrize(
    ("said", "value"),
    [("eighty three", 83), ("one hundred eleven", 111), ("two forty four", 244), ("twenty one", 21),
     ("thirteen", 13), ("one hundred and five", 105), ("89", 89)],
)
def test_spoken_english_numbers(said, value):
    nums = T.en_numbers(T.en_words(said))
    assert [n.value for n in nums] == [value]


@pytest.mark.parametrize(
    ("said", "value"),
    [("only three hundred nine nine", 399),  # the last two digits one by one
     ("seven hundred and nine nine pesos", 799),
     ("today only two hundred nice nine", 299),  # how ASR hears "nine" after "hundred"
     ("only two hundred nights", 209),
     ("one hundred nine", 109)],  # one nine is one nine: nothing else in the sentence says otherwise
)
def test_prices_said_digit_by_digit_after_the_hundreds(said, value):
    assert [n.value for n in T.en_numbers(T.en_words(said))] == [value]


def test_digits_after_the_hundreds_are_two_at_most():
    assert [n.value for n in T.en_numbers(T.en_words("three hundred one two three"))] == [301, 2, 3]


def test_a_price_led_into_on_the_line_before_is_a_price():
    found = T.sentence_prices(["it was eight hundred before, but today only at", "three hundred fifty.", "thank you"],
                              False)
    assert [[(p.surface, p.deal) for p in ps] for ps in found] == [[], [("$350", True)], []]
    # ASR that breaks every word or two: "just" / "fifty" leads nowhere ("not just fifty, seventy dollars off")
    assert T.sentence_prices(["not", "just", "fifty", "not", "just", "seventy", "dollars", "off"], False)[2] == []


def test_a_three_digit_price_ending_in_ninety_nine_needs_no_cue():
    assert [p.surface for p in T.en_prices("we already got the answer. three hundred ninety nine today")] == ["$399"]
    assert T.en_prices("ninety nine people are watching") == []


def test_a_number_broken_across_two_lines_is_read_whole():
    found = T.sentence_prices(["today final price only at a two hundred", "forty nine and it ships tomorrow"], False)
    assert [[p.surface for p in ps] for ps in found] == [["$249"], []]
    # the words lent to the line before are not a price of their own, and their currency goes with them
    found = T.sentence_prices(["and she is starting at one hundred", "nineteen dollars you guys"], False)
    assert [[(p.surface, p.strong) for p in ps] for ps in found] == [[("$119", True)], []]
    # a line that ends on a number word but not inside a number keeps its own reading
    found = T.sentence_prices(["we only have a few hundred", "nine colours left"], False)
    assert found == [[], []]


@pytest.mark.parametrize(
    ("said", "value"),
    [("七十六", 76), ("一百四十九", 149), ("一三九", 139), ("二百四十九", 249), ("十九", 19), ("一百零五", 105),
     ("２４９", 249), ("两千七百九十九一", 2799)],
)
def test_chinese_numbers(said, value):
    assert T.zh_value(said) == value


def test_countdowns_are_not_numbers():
    assert T.zh_value("五四三二一") is None


def test_english_prices_and_discounts():
    found = T.en_prices("she is literally at eighty three bucks and they gave me an extra twenty bucks off")
    assert [(p.surface, p.discount) for p in found] == [("$83", False), ("$20", True)]
    assert [p.surface for p in T.en_prices("only $89 tonight, thirty percent off")] == ["$89", "30% off"]
    assert T.en_prices("she is going for one hundred sixteen so hop on")[0].surface == "$116"
    assert T.en_prices("sixteen inch, four hundred forty degrees") == []


def test_dollars_and_cents_said_apart():
    assert [p.surface for p in T.en_prices("the price is twenty nine ninety nine tonight")] == ["$29.99"]
    assert [p.surface for p in T.en_prices("only nineteen dollars and ninety nine cents")] == ["$19.99"]
    # a called number is not the dollars of a price said right after it
    assert [p.surface for p in T.en_prices("go to number thirteen eighty nine dollars")] == ["$89"]
    assert [p.surface for p in T.en_prices("she is going for two forty four dollars")] == ["$244"]


def test_chinese_prices():
    assert [p.value for p in T.zh_prices("日常价一百二十九，今天直播间只要七十九块。")] == [129, 79]
    assert T.zh_prices("日常价一百二十九，今天直播间只要七十九块。")[0].regular
    assert [p.value for p in T.zh_prices("十九块九三盒，倒计时五四三二一")] == [19.9]
    assert [p.value for p in T.zh_prices("碧螺春哈宝子五十八哈买两盒送您一个玻璃杯")] == [58]
    assert T.zh_prices("一米六一百一十八斤穿什么码呢") == []  # a height and a weight
    assert T.zh_prices("咱俩一会儿去一块。") == []  # "together", not one yuan
    assert T.zh_prices("直播间减了一百块钱")[0].discount
    # a digit right after the unit is jiao ("十九块九"), unless it counts items ("163元一件", "89块一个")
    assert [p.value for p in T.zh_prices("台灯163元一件，就是这个价。")] == [163]
    assert [p.value for p in T.zh_prices("到手价199元两件")] == [199]
    assert [p.value for p in T.zh_prices("二十九块九包邮")] == [29.9]


def test_tokens_and_similarity():
    assert T.en_content("The wigs are so soft on Monday") == ["wig", "soft", "monday"]
    assert "碧螺春" in T.zh_content("呃我们的碧螺春哈宝子五十八")
    assert T.zh_bigrams("梅花山")[:2] == ["梅花", "花山"]
    assert T.char_dice("number 13", "number 13") == 1.0
    assert T.is_zh("这是中文 with some English") and not T.is_zh("plain English")


def test_todays_price_and_the_price_it_is_compared_with():
    # the nearer cue wins: the usual price said first, today's after it
    said = T.zh_prices("这个台灯平时在外面买要一百五十九，今天直播间到手价六十九。")
    assert [(p.value, p.regular, p.deal) for p in said] == [(159, True, False), (69, False, True)]
    said = T.en_prices("usually this kettle retails at eighty five dollars but today only forty nine dollars")
    assert [(p.value, p.regular, p.deal) for p in said] == [(85, True, False), (49, False, True)]
    assert T.en_prices("which brings it down to sixty two dollars and forty cents")[0].surface == "$62.40"


def test_guesses_sizes_and_heights_are_not_prices():
    assert T.zh_prices("一件羊毛衫三百多块钱，外套上千块钱，十几块的袜子") == []
    assert T.zh_prices("幺六五到幺七五都能穿，一七零尺码") == []


def test_shipping_and_bounds_are_not_the_products_price():
    said = T.zh_prices("一条要几千块钱，只要花十块钱的运费，从来没有下过两百块，今天到手一百五十九")
    assert [(p.value, p.regular) for p in said] == [(200, True), (159, False)]


def test_ranges_and_what_you_would_pay_elsewhere_are_not_prices():
    assert T.en_prices("a salon cut costs you five to six hundred dollars") == []
    assert T.en_prices("it is three or four bucks at most") == []
    said = T.en_prices("you would pay ninety dollars at a store, here it is forty two dollars")
    assert [p.value for p in said if not p.discount] == [42]


def test_dollars_and_cents_as_asr_writes_them():
    # the cents after the currency word, glued to it or not
    assert [p.surface for p in T.en_prices("all of this for only twenty four dollarsninety five")] == ["$24.95"]
    assert [p.surface for p in T.en_prices("the mug is twelve dollars forty nine")] == ["$12.49"]
    # a price said as dollars and cents needs no currency; pounds count only with pence
    assert [p.surface for p in T.en_prices("that's thirty four ninety nine for the whole set")] == ["$34.99"]
    assert [p.surface for p in T.en_prices("it's eight pound ninety nine with free shipping")] == ["£8.99"]
    assert T.en_prices("the parcel is about eight pounds") == []
    assert [p.value for p in T.en_prices("it was three dollars twenty people said")] == [3]


def test_money_off_orders_is_a_voucher_not_a_price():
    voucher = T.en_prices("you get up to twelve dollars off of orders over two hundred dollars today")
    assert voucher and all(p.discount for p in voucher)
    (price,) = T.en_prices("this jacket is only forty nine dollars today")
    assert not price.discount
