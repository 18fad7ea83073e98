"""The product metric on the OLP-MINI labels (``olp.evaluation.products``), pinned on a hand-made example.

The example (made up for this test; no label is copied here): a transcript with ids 1..20 that skips id 7, four
products and five documents.

    scarf   $19.99          ids 1-6          D1 {1-4} "scarf: $19.99"   D2 {1-6, 8} "scarf again: $20"
    wallet  $15 (50% off)   ids 7-12 (7 is not in the file, so 8-12)    D3 {8-12} "wallet: 50% off"
    mug     unpriced        ids 15-18        D4 {13-20} "mug and lamp 30"
    lamp    $30             ids 19-20        D5 {13, 14} "chit chat"
"""

from __future__ import annotations

import json
import math

import pytest

from olp.errors import BadInputError
from olp.evaluation.products import Counts, load_labels, numbers, score, score_transcript

IDS = [i for i in range(1, 21) if i != 7]
LABELS = {
    "EN900": {"n_sentences": len(IDS), "notes": "hand-made", "stream": "EN-s900", "products": [
        {"name": "scarf", "price": "$19.99", "priced": True, "segments": [[1, 6]]},
        {"name": "wallet", "price": "$15 (50% off)", "priced": True, "segments": [[7, 12]]},
        {"name": "mug", "price": None, "priced": False, "segments": [[15, 16], [17, 18]]},
        {"name": "lamp", "price": "$30", "priced": True, "segments": [[19, 20]]},
    ]},
    "EN901": {"n_sentences": 6, "notes": "sells a kettle; the system said nothing", "stream": "EN-s900", "products": [
        {"name": "kettle", "price": "$25", "priced": True, "segments": [[100, 105]]}]},
    "EN902": {"n_sentences": 5, "notes": "sells nothing", "stream": "EN-s901", "products": []},
}


def doc(topic: str, ids) -> dict:
    return {"topic": topic, "span": [min(ids), max(ids)], "aspects": {"Opening": [{"id": i, "text": ""} for i in ids]}}


DOCS = [doc("scarf: $19.99", [1, 2, 3, 4]), doc("scarf again: $20", [1, 2, 3, 4, 5, 6, 8]),
        doc("wallet: 50% off", [8, 9, 10, 11, 12]), doc("mug and lamp 30", range(13, 21)), doc("chit chat", [13, 14])]


@pytest.fixture
def labels(tmp_path):
    folder = tmp_path / "olp-mini-labels"
    folder.mkdir()
    (folder / "en.json").write_text(json.dumps(LABELS), encoding="utf-8")
    ids = {"EN900": IDS, "EN901": range(100, 106), "EN902": range(200, 205)}
    return load_labels("en", ids, root=folder)


def test_labels_keep_only_the_ids_the_file_has(labels):
    products = {p.name: p for p in labels["EN900"].products}
    assert products["wallet"].ids == frozenset({8, 9, 10, 11, 12})  # id 7 is skipped by the file
    assert products["mug"].ids == frozenset({15, 16, 17, 18})  # two segments, one product
    assert not products["mug"].priced and products["lamp"].price == "$30"
    assert labels["EN900"].stream == "EN-s900"


def test_the_hand_made_transcript_scores_exactly(labels):
    c = score_transcript(DOCS, labels["EN900"])
    # recall: D2 matches the scarf (IoU 6/7 beats D1's 4/6; one document per product, greedy by IoU), D3 the
    # wallet (5/5), D4 the mug (4/8 = 0.5, the threshold is inclusive); the lamp (2/8) is not matched
    assert (c.products, c.matched) == (4, 3)
    # detected: the scarf (D1, D2), the wallet (D3), the mug (D4 holds half its sentences inside it); not the lamp
    assert c.detected == 3
    # precision: D1-D4 have at least half their sentences inside one product; D5 is chit-chat
    assert (c.documents, c.precise) == (5, 4)
    # price named: the scarf ($19.99 in D1); not the wallet ("50%" is no price, and 15 is not named); not the lamp
    # (D4's "30" does not count: D4 does not detect the lamp)
    assert (c.priced, c.price_named) == (3, 1)
    assert (c.with_products, c.empty_outputs) == (1, 0)


def test_scores_add_over_transcripts_and_count_empty_outputs(labels):
    s = score({"EN900": DOCS, "EN901": [], "EN902": [doc("hello", [200, 201])], "EN999": [doc("x", [1])]}, labels)
    assert s["recall"] == pytest.approx(3 / 5) and s["detected"] == pytest.approx(3 / 5)
    assert s["precision"] == pytest.approx(4 / 6)  # a document on a transcript that sells nothing is imprecise
    assert s["price_named"] == pytest.approx(1 / 4)
    assert (s["empty_outputs"], s["empty_files"], s["transcripts_with_products"]) == (1, ["EN901"], 2)
    assert (s["products"], s["documents"]) == (5, 6)  # EN999 has no labels: not scored


def test_no_products_and_no_documents_score_nan_not_zero():
    s = Counts().scores()
    assert math.isnan(s["recall"]) and math.isnan(s["precision"]) and s["empty_outputs"] == 0


@pytest.mark.parametrize("text, expected", [
    ("$19.99 (was $25)", {19.99, 25.0}),
    ("50% off, now $12", {12.0}),  # the whole percentage is skipped, not just its last digit
    ("30％ off", set()),
    ("69.9元/13包", {69.9, 13.0}),
    ("$1,299", {1299.0}),
    ("no price", set()),
])
def test_numbers_of_a_price(text, expected):
    assert numbers(text) == expected


def test_a_missing_labels_folder_is_one_clear_error(tmp_path):
    with pytest.raises(BadInputError, match=r"OLP-MINI labels folder .* not found; set OLP_DATA_DIR"):
        load_labels("en", root=tmp_path / "nowhere")
