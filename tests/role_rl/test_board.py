"""The advisory board: judge replies, weighted verdicts, corrected answers, the authors' election."""

import json

import numpy as np
import pytest
from rl_fakes import FakeGateway, finder_judge, pool_data

from olp.profiles import PROFILES
from olp.roles.topic_finder import FinderInput, TopicFinder
from olp.types import Sentence
from role_rl.board import Board, judge_messages, markov_end, parse_judge_reply, weight_update

PROFILE = PROFILES["ecommerce-en"]
INPUT = FinderInput([Sentence(1, "this wig is $89"), Sentence(2, "buy now")])


@pytest.mark.parametrize("text, correct, corrected", [
    ('{"correct": true}', True, None),
    ('Sure. {"correct": false, "corrected": {"topics": ["wig"]}}', False, '{"topics": ["wig"]}'),
    ('{"correct": "false", "corrected": "[\\"wig\\"]"}', False, '["wig"]'),
    ("Both content and format are correct!", True, None),
    ('No, they are wrong, Correct answer: ["wig: $89"]', False, '["wig: $89"]'),
    ("错误！正确答案：['假发']", False, "['假发']"),
    ("内容和格式都正确！", True, None),
    ("No, they are wrong", False, None),
    ("I am not sure what you mean.", None, None),
    ("", None, None),
])
def test_judge_replies_in_json_and_in_the_authors_style(text, correct, corrected):
    reply = parse_judge_reply(text)
    assert reply.correct is correct
    assert reply.corrected_text == corrected


def test_judge_prompt_carries_the_payload_contract():
    messages = judge_messages(TopicFinder(), INPUT, '{"topics": ["hat"]}', PROFILE)
    body = messages[-1]["content"]
    assert "Do you think the content and the format of the answer are correct?" in body
    payload = json.loads(body[body.rindex("<olp-input>") + len("<olp-input>"):body.rindex("</olp-input>")])
    assert payload["task"] == "judge" and payload["role"] == "topic_finder"
    assert payload["profile"] == "ecommerce-en"
    assert payload["input"]["sentences"] == [[1, "this wig is $89"], [2, "buy now"]]
    assert payload["answer"] == '{"topics": ["hat"]}'


def gateway(answers):
    return FakeGateway(pool_data({"w": 1e-7, "j1": 1e-6, "j2": 2e-6, "j3": 3e-6}, ["j1", "j2"]), answers)


async def test_board_weighs_votes_and_parses_the_correction_with_the_role():
    gw = gateway({"j1": finder_judge(["wig"]), "j2": lambda p: '{"correct": true}'})
    board = Board(gw, weights={"j1": 0.7, "j2": 0.3})
    verdict = await board.judge(TopicFinder(), INPUT, '{"topics": ["hat"]}', PROFILE)
    assert verdict.correct is False  # 0.7 says wrong, 0.3 says right
    assert verdict.corrected == ["wig"] and verdict.judge == "j1"
    assert verdict.votes == {"j1": False, "j2": True}
    assert [r.role for r in verdict.records] == ["judge", "judge"]  # their cost is returned to count it
    assert all(r.cost_usd > 0 for r in verdict.records)


async def test_unparsable_judge_reply_is_no_verdict():
    gw = gateway({"j1": lambda p: "hmm", "j2": lambda p: "???"})
    verdict = await Board(gw).judge(TopicFinder(), INPUT, '{"topics": ["wig"]}', PROFILE)
    assert verdict.correct is None and verdict.corrected is None


async def test_correction_the_role_cannot_parse_is_dropped():
    gw = gateway({"j1": lambda p: 'Correct answer: "wig"', "j2": lambda p: "No, they are wrong"})
    verdict = await Board(gw).judge(TopicFinder(), INPUT, '{"topics": ["hat"]}', PROFILE)
    assert verdict.correct is False and verdict.corrected is None


def test_weight_update_moves_weight_to_the_elected_model():
    w = weight_update({"a": 0.0, "b": 1.0, "c": 0.0}, "c")
    assert w == pytest.approx({"a": 0.0, "b": 0.99, "c": 0.01})
    w = weight_update({"a": 0.5, "b": 0.5, "c": 0.0}, "a")
    assert w == pytest.approx({"a": 0.51, "b": 0.49, "c": 0.0})
    w = weight_update({"a": 0.995, "b": 0.005}, "a")  # b cannot pay: it leaves the board
    assert w["b"] == 0.0 and w["a"] == pytest.approx(1.0)
    assert sum(weight_update({"a": 0.3, "b": 0.3, "c": 0.4}, "b").values()) == pytest.approx(1.0)


def test_markov_chain_ends_at_a_fixed_point_or_gives_up():
    m = np.array([[0, 5, 1], [0, 1, 9], [0, 0, 7]], dtype=float)
    assert markov_end(m) == 2  # 0 -> 1 -> 2 -> 2
    cycle = np.array([[0, 1], [1, 0]], dtype=float)
    assert markov_end(cycle) is None


def test_election_prefers_cheap_models_that_fail_rarely_plus_price():
    gw = gateway({})
    board = Board(gw, prices_per_m={"w": (0.1, 0.1), "j1": (1, 1), "j2": (5, 15), "j3": (15, 75)})
    rows = np.zeros((4, 4))
    elected = board.elect(rows)  # with no Q-values the cost term decides: the strongest (dearest) model
    assert elected == "j3" and board.weights["j3"] == pytest.approx(0.01)
    assert sum(board.weights.values()) == pytest.approx(1.0)
