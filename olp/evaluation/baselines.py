"""Baselines that need no model: a fixed window (a new topic every 300 words)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from olp.types import Sentence, TopicDocument

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDY = re.compile(r"\w")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba  # imported on first Chinese text: its dictionary takes about half a second to load

    jieba.setLogLevel(logging.WARNING)
    return jieba


def count_words(text: str) -> int:
    """Words in a sentence: whitespace tokens, or jieba tokens when the text has Chinese characters.

    Tokens without a letter, digit or CJK character (punctuation, which QMSum writes as separate tokens) do not
    count.
    """
    tokens = _jieba().lcut(text) if _CJK.search(text) else text.split()
    return sum(1 for t in tokens if _WORDY.search(t))


def fixed_window_topics(
    sentences: Sequence[Sentence],
    words: int = 300,
    aspects: Sequence[str] = ("Future Plans", "Assumptions", "Opinions", "Facts"),
    *,
    into: str | None = None,
    stream: str = "",
    profile: str = "",
) -> list[dict[str, Any]]:
    """Cut the stream into topics of about ``words`` words: a window closes once it holds at least ``words`` words.

    Args:
        sentences: the stream, in order.
        words: the window size in words.
        aspects: the profile's aspect names; every document has all of them.
        into: the aspect that receives every sentence; default the last one (Facts, Product Description, ...).
        stream / profile: copied into the documents.

    Returns:
        Documents in the ``TopicDocument.to_dict()`` shape, titled ``window 1``, ``window 2``, ...
    """
    if words <= 0:
        raise ValueError("words must be positive")
    target = into if into is not None else aspects[-1]
    windows: list[list[Sentence]] = []
    current: list[Sentence] = []
    count = 0
    for s in sentences:
        current.append(s)
        count += count_words(s.text)
        if count >= words:
            windows.append(current)
            current, count = [], 0
    if current:
        windows.append(current)
    docs = []
    for k, window in enumerate(windows):
        body = {name: [] for name in aspects}
        body[target] = [{"id": s.id, "text": s.text} for s in window]
        doc = TopicDocument(
            stream=stream, topic_id=k, topic=f"window {k + 1}", span=(window[0].id, window[-1].id),
            aspects=body, models={}, cost_usd=0.0, latency_ms=0.0, profile=profile,
        )
        docs.append(doc.to_dict())
    return docs
