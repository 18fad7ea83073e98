"""A local engine as a judge on the advisory board: agrees with right answers, corrects wrong ones."""

from __future__ import annotations

import json

import pytest

from olp.engines import get_engine
from olp.profiles import get_profile
from olp.roles.topic_locator import LocatorInput, TopicLocator
from olp.types import Sentence

EN = get_profile("ecommerce-en")
SENTS = [Sentence(i, t) for i, t in enumerate([
    "hi everyone welcome back", "okay next up we have this silk scarf",
    "the silk scarf is only twenty dollars tonight", "it is so soft and light",
    "add the scarf to your cart now", "now let me show you this leather wallet",
    "the wallet is fifteen dollars", "it has six card slots",
], start=100)]


def judge_payload(answer: str) -> dict:
    inp = LocatorInput("silk scarf: $20", SENTS, ("leather wallet: $15",))
    return {"task": "judge", "role": "topic_locator", "profile": EN.name,
            "input": TopicLocator().payload(inp), "answer": answer}


def test_judge_agrees_with_its_own_answer_and_corrects_a_wrong_one():
    quality = get_engine("quality")
    own = quality.answer({**TopicLocator().payload(LocatorInput("silk scarf: $20", SENTS, ("leather wallet: $15",))),
                          "task": "topic_locator", "profile": EN.name})
    assert quality.answer(judge_payload(json.dumps(own))) == {"correct": True}
    verdict = quality.answer(judge_payload('{"first": 105, "last": 107}'))  # the wallet, not the scarf
    assert verdict["correct"] is False
    first, last = TopicLocator().parse(json.dumps(verdict["corrected"]), LocatorInput("x", SENTS), EN)
    assert first <= 102 and last >= 103  # the corrected span covers the scarf


@pytest.mark.parametrize("answer", ["", "no idea", "{broken"])
def test_unparsable_answers_are_wrong_with_a_correction(answer):
    verdict = get_engine("fast").answer(judge_payload(answer))
    assert verdict["correct"] is False and "first" in verdict["corrected"]
