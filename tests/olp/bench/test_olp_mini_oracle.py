"""The oracle (``olp.bench.oracle``): role answers from the labels, fed through the real pipeline.

On a hand-made labelled transcript whose products are contiguous it finds every product at every chunk size; a
product whose two segments are split by chit-chat shows what the pipeline itself loses with perfect answers.
"""

from __future__ import annotations

import asyncio

import pytest

from olp.bench import oracle
from olp.bench.common import run_stream
from olp.bench.olp_mini import missed
from olp.evaluation.products import Product, Transcript, score_transcript
from olp.evaluation.recall import doc_ids
from olp.types import Sentence

TEXTS = ["hi everyone welcome", "let me show you this silk scarf", "it is so soft", "only twenty dollars",
         "add it to your cart", "so soft and light", "the scarf comes in red", "and blue", "grab it now", "okay next",
         "this leather wallet", "six card slots", "fifteen dollars", "real leather", "it fits in a pocket",
         "buy the wallet now", "thanks for joining", "say hi in the chat", "where are you from", "love you all",
         "now the desk lamp", "it is bright", "thirty dollars", "three colours", "it folds flat",
         "lamp is on sale", "last call for the lamp", "thank you", "see you tomorrow", "bye"]
SENTS = [Sentence(100 + i, t) for i, t in enumerate(TEXTS)]


def product(name: str, price: str | None, *segments: tuple[int, int]) -> Product:
    return Product(name, price, frozenset(i for a, b in segments for i in range(a, b + 1)))


SHOW = Transcript("EN950", "EN-s950", [product("silk scarf", "$20", (101, 108)),
                                       product("leather wallet", "$15", (110, 115)),
                                       product("desk lamp", "$30", (120, 126))])


def run(transcript: Transcript, sentences: list[Sentence], chunk_size: int | None = None):
    with oracle.labelled(transcript):
        return asyncio.run(run_stream(sentences, "ecommerce-en", oracle.oracle_pool(), chunk_size=chunk_size,
                                      stream=transcript.name))


@pytest.mark.parametrize("chunk_size", [6, 10, 60])
def test_contiguous_products_are_all_found_named_and_priced(chunk_size):
    res = run(SHOW, SENTS, chunk_size)
    c = score_transcript(res.docs, SHOW)
    assert (c.products, c.matched, c.detected, c.documents, c.precise, c.price_named) == (3, 3, 3, 3, 3, 3)
    assert [d["topic"] for d in res.docs] == ["silk scarf: $20", "leather wallet: $15", "desk lamp: $30"]
    assert all(r.ok and r.cost_usd == 0 for r in res.records)


def test_chit_chat_inside_a_product_is_what_the_pipeline_loses():
    # the mug is sold in 200-202, the host chats in 203-209 (labelled as nobody's), and comes back in 210-212;
    # a document is one contiguous stretch, so the mug's document is 200-212: IoU 6/13 < 0.5, and less than half
    # of it is the mug's, so it neither matches nor detects it, even with perfect answers
    texts = ["this mug", "nine dollars", "holds hot tea"] + [f"chat {k}" for k in range(7)] + \
        ["back to the mug", "still nine dollars", "buy the mug"]
    sents = [Sentence(200 + i, t) for i, t in enumerate(texts)]
    mug = Transcript("EN951", "EN-s951", [product("mug", "$9", (200, 202), (210, 212))])
    res = run(mug, sents)
    assert [sorted(doc_ids(d)) for d in res.docs] == [list(range(200, 213))]
    c = score_transcript(res.docs, mug)
    assert (c.matched, c.detected, c.precise) == (0, 0, 0)
    assert missed(res.docs, mug, [s.id for s in sents]) == {"gaps": 1}


def test_the_oracle_answers_only_inside_labelled():
    with pytest.raises(LookupError, match="labelled"):
        oracle.answer({"task": "topic_finder", "sentences": [[1, "x"]]})


def test_answers_per_role():
    with oracle.labelled(SHOW):
        rows = [[s.id, s.text] for s in SENTS[5:14]]  # 105-113: the scarf's end, the wallet's start
        assert oracle.answer({"task": "topic_finder", "sentences": rows}) == {
            "topics": ["silk scarf: $20", "leather wallet: $15"]}
        assert oracle.answer({"task": "topic_locator", "topic": "leather wallet: $15", "sentences": rows}) == {
            "first": 110, "last": 113}
        assert oracle.answer({"task": "relationship_checker", "a": {"name": "silk scarf: $20"},
                              "b": {"name": "leather wallet: $15"}}) == {"same": False}
        # the wallet goes on after the chunk (113): re-read it from its start; after 116 the wallet has ended
        split = {"task": "chunk_splitter", "chunk_end": 113,
                 "topics": [{"name": "silk scarf: $20", "span": [105, 108]},
                            {"name": "leather wallet: $15", "span": [110, 113]}]}
        assert oracle.answer(split) == {"next_start": 110}
        assert oracle.answer({**split, "chunk_end": 116}) == {"next_start": None}
