"""What ``olp consume`` shows: duplicates dropped by key, and a readable panel per document."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from olp.stream.consume import Dedup, render


def test_duplicates_are_dropped_by_document_key():
    dedup = Dedup()
    docs = [{"key": "s:0"}, {"key": "s:1"}, {"key": "s:0"}, {"stream": "t", "topic_id": 0}, {"key": "t:0"}]
    assert [dedup.fresh(d) for d in docs] == [True, True, False, True, False]


def test_render_shows_topic_aspects_and_cost():
    doc = {
        "key": "live-1:3",
        "topic": "human hair wig: $89",
        "span": [40, 44],
        "aspects": {"price": [{"id": 41, "text": "only $89 today"}], "material": []},
        "models": {"topic_finder": "local-quality"},
        "cost_usd": 0.000123,
        "time_to_document_ms": 1500.0,
    }
    out = StringIO()
    Console(file=out, width=100, color_system=None).print(render(doc))
    text = out.getvalue()
    for expected in ("live-1:3", "human hair wig: $89", "price", "[41] only $89 today", "sentences 40–44",
                     "$0.000123", "1.5 s to document", "topic_finder=local-quality"):
        assert expected in text
    assert "material" not in text  # empty aspects are left out
