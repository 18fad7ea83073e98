"""Parsing transcripts messages: what is accepted, and the reason given for what is not."""

from __future__ import annotations

import json

import pytest

from olp.stream.messages import (
    END_VALUE,
    BadMessage,
    EndOfStream,
    Utterance,
    dead_letter,
    parse_key,
    parse_value,
    utterance_value,
)


def test_a_full_sentence_message_round_trips():
    value = utterance_value("the wig is $89", id=7, ts=1700000000.5, profile="ecommerce-en")
    assert parse_value(value) == Utterance("the wig is $89", 7, 1700000000.5, "ecommerce-en")


def test_id_and_ts_are_optional():
    assert parse_value(b'{"text": "hello"}') == Utterance("hello")


def test_end_marker():
    assert parse_value(END_VALUE) == EndOfStream()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"not json", "value is not JSON"),
        (b"\xff\xfe", "value is not"),
        (b"[1, 2]", 'value must be a JSON object with "text", not list'),
        (b'{"id": 1}', 'value needs a non-empty string "text"'),
        (b'{"text": "   "}', 'value needs a non-empty string "text"'),
        (b'{"text": "a", "id": -1}', '"id" must be a non-negative integer, not -1'),
        (b'{"text": "a", "id": "7"}', "\"id\" must be a non-negative integer, not '7'"),
        (b'{"text": "a", "id": true}', '"id" must be a non-negative integer'),
        (b'{"text": "a", "ts": "now"}', '"ts" must be a number'),
        (b'{"text": "a", "profile": 3}', '"profile" must be a profile name'),
        (None, "message has no value"),
    ],
)
def test_bad_values_say_why(value, reason):
    with pytest.raises(BadMessage) as info:
        parse_value(value)
    assert str(info.value).startswith(reason)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "message has no key"),
        (b"", "message has no key"),
        (b"\xff", "not UTF-8"),
        (b"  ", "blank"),
        (b"\x00olp-watermark:0", "must not start with a NUL"),
    ],
)
def test_the_key_must_be_a_stream_id(key, reason):
    with pytest.raises(BadMessage, match=reason):
        parse_key(key)


def test_dead_letter_keeps_the_original_and_the_reason():
    record = json.loads(dead_letter("value is not JSON", b"s1", b"oops \xff", "transcripts", 2, 41))
    assert record == {
        "reason": "value is not JSON",
        "topic": "transcripts",
        "partition": 2,
        "offset": 41,
        "key": "s1",
        "value": "oops \ufffd",
    }
