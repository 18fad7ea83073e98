"""``olp-replay/<model>`` answers role prompts on the recorded inputs with the recorded answers."""

import json

import pytest

from olp.errors import BadModelOutputError
from olp.profiles import PROFILES
from olp.roles.content_organizer import ContentOrganizer, OrganizerInput
from olp.roles.topic_finder import FinderInput, TopicFinder
from olp.roles.topic_locator import LocatorInput, TopicLocator
from olp.types import Sentence
from role_rl.replay import ReplayData
from role_rl.replay_provider import ReplayAnswers

PROFILE = PROFILES["ecommerce-zh"]
MODEL = "gemini-1.5-pro"


@pytest.fixture
def replay(shared_data):
    return ReplayAnswers("claude")


def sentences(data, task):
    return [Sentence(int(i), s) for i, s in data.sentences(task)]


def ask(replay, model, role, inp):
    from olp.roles.base import extract_payload

    return replay.answer(model, extract_payload(role.build_messages(inp, PROFILE)))


def test_finder_and_locator_answer_with_the_recorded_answers(replay):
    data: ReplayData = replay.data
    sents = sentences(data, "Task3")
    text = ask(replay, MODEL, TopicFinder(), FinderInput(sents))
    recorded = data.get("Task3", MODEL, "topic_finder").answer
    assert TopicFinder().parse(text, FinderInput(sents), PROFILE) == recorded
    name, span = data.get("Task3", MODEL, "topic_locator").answer[0]
    located = TopicLocator().parse(ask(replay, MODEL, TopicLocator(), LocatorInput(name, sents)),
                                   LocatorInput(name, sents), PROFILE)
    ids = [s.id for s in sents]
    assert located[0] >= min(span) and located[1] <= max(span) and located[0] in ids


def test_organizer_files_sentences_under_the_recorded_headings(replay):
    data = replay.data
    sents = sentences(data, "Task2")
    inp = OrganizerInput("小米布的鞋子", sents[:6])
    value = ContentOrganizer().parse(ask(replay, MODEL, ContentOrganizer(), inp), inp, PROFILE)
    assert set(value) == set(PROFILE.aspect_labels)
    assert sorted(i for ids in value.values() for i in ids) == sorted(s.id for s in sents[:6])
    assert value["商品价格"]  # the price sentence the model filed under (2) 商品价格


def test_replay_judge_corrects_a_wrong_answer(replay):
    from olp.roles.base import extract_payload
    from role_rl.board import judge_messages

    sents = sentences(replay.data, "Task2")
    wrong = judge_messages(TopicFinder(), FinderInput(sents), json.dumps({"topics": ["帽子"]}), PROFILE)
    reply = json.loads(replay.answer("judge", extract_payload(wrong)))
    assert reply["correct"] is False and reply["corrected"]["topics"]
    right = judge_messages(TopicFinder(), FinderInput(sents), json.dumps(reply["corrected"]), PROFILE)
    assert json.loads(replay.answer("judge", extract_payload(right))) == {"correct": True}


def test_unknown_chunk_and_unrecorded_role_fail(replay):
    other = [Sentence(1, "hello"), Sentence(2, "world")]
    with pytest.raises(BadModelOutputError, match="not one of the recorded inputs"):
        ask(replay, MODEL, TopicFinder(), FinderInput(other))
    with pytest.raises(BadModelOutputError, match="no recorded answers"):
        replay.answer(MODEL, {"task": "chunk_splitter", "sentences": []})


async def test_registered_with_litellm(shared_data):
    import litellm

    from role_rl.replay_provider import register

    register("claude")
    data = ReplayData("claude")
    sents = sentences(data, "Task2")
    messages = TopicFinder().build_messages(FinderInput(sents), PROFILE)
    response = await litellm.acompletion(model=f"olp-replay/{MODEL}", messages=messages)
    topics = TopicFinder().parse(response.choices[0].message.content, FinderInput(sents), PROFILE)
    assert topics == data.get("Task2", MODEL, "topic_finder").answer
