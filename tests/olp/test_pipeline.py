"""The online pipeline with a scripted model: cross-chunk topics, merges, flush, bounded state, replays."""

from __future__ import annotations

import json

import pytest

from olp.caller import DirectCaller
from olp.gateway import Gateway
from olp.pipeline import Pipeline
from olp.poolfile import parse_pool
from olp.profiles import get_profile
from olp.schema import validate_document
from olp.settings import PipelineSettings
from olp.types import Sentence
from scripted import POOL


def make_pipeline(chunk: int = 10, carry: int = 5, profile: str = "ecommerce-en") -> Pipeline:
    prof = get_profile(profile)
    gateway = Gateway(parse_pool(POOL), backoff_s=0)
    return Pipeline("s1", prof, DirectCaller(gateway, prof), PipelineSettings(chunk_size=chunk, max_carry=carry))


def transcript(plan: list[tuple[str | None, int]]) -> list[Sentence]:
    """Sentences from a plan of (topic or None for chit-chat, count); every topic sentence carries its tag."""
    out, sid = [], 100
    for topic, n in plan:
        for k in range(n):
            text = f"talking about #{topic} part {k}" + (" only $5" if k == 1 else "") if topic else f"chit chat {sid}"
            out.append(Sentence(sid, text))
            sid += 1
    return out


async def run_all(pipe: Pipeline, sentences: list[Sentence]) -> list[dict]:
    docs = []
    for s in sentences:
        docs += [d.to_dict() for d in await pipe.feed(s)]
    docs += [d.to_dict() for d in await pipe.flush()]
    return docs


def ids_of(doc: dict) -> list[int]:
    return sorted(i["id"] for items in doc["aspects"].values() for i in items)


async def test_topic_crossing_chunk_boundaries_stays_whole(scripted):
    sents = transcript([("mug", 8), ("lamp", 14), ("desk", 6)])
    docs = await run_all(make_pipeline(chunk=10, carry=5), sents)
    assert [d["topic"] for d in docs] == ["mug", "lamp", "desk"]
    lamp = docs[1]
    assert lamp["span"] == [108, 121]
    assert ids_of(lamp) == list(range(108, 122))  # 14 sentences across three chunks, in one document
    for d in docs:
        validate_document(d)
    # every sentence of the stream is in exactly one document
    assert sorted(i for d in docs for i in ids_of(d)) == [s.id for s in sents]


async def test_documents_leave_before_the_stream_ends(scripted):
    pipe = make_pipeline(chunk=10, carry=5)
    sents = transcript([("mug", 6), ("lamp", 6), ("desk", 30)])
    emitted_at = []
    for s in sents:
        if await pipe.feed(s):
            emitted_at.append(s.id)
    assert emitted_at and emitted_at[0] < sents[-1].id  # the mug document left mid-stream
    assert len(await pipe.flush()) >= 1


async def test_related_topics_merge(scripted):
    # "mug" then "bluemug": the checker calls them the same product; one document results
    sents = transcript([("mug", 4), ("bluemug", 4), ("lamp", 4)])
    docs = await run_all(make_pipeline(chunk=20, carry=5), sents)
    assert [d["topic"] for d in docs] == ["mug", "lamp"]
    assert docs[0]["span"] == [100, 107]
    assert scripted.tasks("relationship_checker"), "the checker was asked"


async def test_flush_emits_open_topic_at_end_of_stream(scripted):
    pipe = make_pipeline(chunk=50, carry=10)
    docs = []
    for s in transcript([("mug", 5), ("lamp", 3)]):
        docs += await pipe.feed(s)
    assert docs == []  # nothing final yet: the chunk never filled
    flushed = [d.to_dict() for d in await pipe.flush()]
    assert [d["topic"] for d in flushed] == ["mug", "lamp"]
    assert [d["topic_id"] for d in flushed] == [0, 1]


async def test_price_sentences_are_organized_under_price(scripted):
    docs = await run_all(make_pipeline(chunk=10, carry=4), transcript([("mug", 5)]))
    assert [i["text"] for i in docs[0]["aspects"]["Price"]] == ["talking about #mug part 1 only $5"]
    assert set(docs[0]["aspects"]) == {"Opening", "Order Urging", "Price", "Product Description"}


async def test_replayed_sentences_are_ignored(scripted):
    pipe = make_pipeline()
    sents = transcript([("mug", 12)])
    docs = []
    for s in sents + sents[:5]:  # at-least-once delivery replays the first five
        docs += await pipe.feed(s)
    docs += await pipe.flush()
    assert len(docs) == 1 and ids_of(docs[0].to_dict()) == [s.id for s in sents]


async def test_memory_is_bounded_by_chunk_and_open_topic(scripted):
    pipe = make_pipeline(chunk=10, carry=5)
    sizes = []
    for s in transcript([(f"t{k}", 7) for k in range(40)]):
        await pipe.feed(s)
        state = pipe.state_dict()
        sizes.append(len(state["pending"]) + len(state["carry"]) + len((state["open"] or {}).get("sentences", [])))
    assert max(sizes) <= 10 + 7  # a chunk plus one open topic, however long the stream


async def test_state_round_trip_resumes_identically(scripted):
    sents = transcript([("mug", 8), ("lamp", 14), ("desk", 6)])
    straight = await run_all(make_pipeline(), sents)

    first = make_pipeline()
    docs = []
    for s in sents[:15]:
        docs += [d.to_dict() for d in await first.feed(s)]
    saved = json.loads(json.dumps(first.state_dict()))  # what a faust table would store
    second = make_pipeline()
    second.load_state_dict(saved)
    docs += await run_all(second, sents[15:])
    strip = lambda ds: [(d["topic_id"], d["topic"], d["span"], d["aspects"]) for d in ds]  # noqa: E731
    assert strip(docs) == strip(straight)


async def test_costs_add_up_to_the_run_total(scripted):
    pipe = make_pipeline()
    docs = await run_all(pipe, transcript([("mug", 8), ("lamp", 14), ("desk", 6)]))
    per_doc = sum(d["cost_usd"] for d in docs) + pipe.unattributed.cost_usd
    assert per_doc == pytest.approx(pipe.total.cost_usd, rel=1e-6)
    assert all(d["cost_usd"] > 0 and d["latency_ms"] > 0 for d in docs)
    assert all(d["models"]["topic_finder"] == "scripted" for d in docs)


async def test_model_answers_naming_ids_outside_the_chunk_are_rejected(scripted):
    scripted.answers["topic_locator"] = lambda p: json.dumps({"first": 1, "last": 5})  # ids not in any chunk
    docs = await run_all(make_pipeline(), transcript([("mug", 8)]))
    assert docs == []  # no topic without sentences of its own


async def test_garbage_answers_do_not_stop_the_stream(scripted):
    scripted.answers["content_organizer"] = lambda p: "Sorry, I can't help with that."
    scripted.answers["format_checker"] = lambda p: "{not json"
    docs = await run_all(make_pipeline(), transcript([("mug", 8), ("lamp", 5)]))
    assert [d["topic"] for d in docs] == ["mug", "lamp"]
    # every sentence still placed: the organizer's fallback put them under the default aspect
    assert ids_of(docs[0]) == list(range(100, 108))
    assert len(docs[0]["aspects"]["Product Description"]) == 8


async def test_same_product_returning_after_chit_chat_merges(scripted):
    # the chunk's last topic is held back, so "bluemug" in the next chunk can still join "mug"
    sents = transcript([("mug", 6), (None, 5), ("bluemug", 6), ("lamp", 12)])
    docs = await run_all(make_pipeline(chunk=10, carry=4), sents)
    assert [d["topic"] for d in docs] == ["mug", "lamp"]
    assert ids_of(docs[0]) == list(range(100, 117))  # the chit-chat between stays with the product


@pytest.mark.parametrize("seed", range(6))
async def test_no_sentence_lands_in_two_documents(scripted, seed):
    import random

    rng = random.Random(seed)
    plan = [(rng.choice([None, f"p{k}"]), rng.randint(1, 25)) for k in range(25)]
    docs = await run_all(make_pipeline(chunk=12, carry=5), transcript(plan))
    placed = [i for d in docs for i in ids_of(d)]
    assert len(placed) == len(set(placed))
    assert [d["span"] for d in docs] == sorted(d["span"] for d in docs)
    assert [d["topic_id"] for d in docs] == list(range(len(docs)))
    tagged = {s.id for s in transcript(plan) if "#" in s.text}
    assert tagged <= set(placed)  # every sentence that names a topic is in a document


async def test_a_topic_followed_by_endless_chit_chat_is_finished(scripted):
    pipe = make_pipeline(chunk=10, carry=4)
    emitted = []
    for s in transcript([("mug", 6), (None, 200)]):
        emitted += [d.to_dict() for d in await pipe.feed(s)]
    assert [d["topic"] for d in emitted] == ["mug"]  # left before the stream ended
    assert emitted[0]["span"][1] < 100 + 6 + 30  # it took at most a couple of chunks of chit-chat
    assert pipe.open is None or len(pipe.open.sentences) <= 10


async def test_run_consumes_an_async_stream(scripted):
    async def live():
        for s in transcript([("mug", 8), ("lamp", 8)]):
            yield s

    docs = [d.topic async for d in make_pipeline().run(live())]
    assert docs == ["mug", "lamp"]
