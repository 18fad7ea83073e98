"""Topic Locator: the first and last sentence id of one topic within the chunk."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from olp.errors import BadModelOutputError
from olp.profiles import Profile
from olp.roles.base import Role, as_int, extract_json, id_schema, object_schema, sentence_rows
from olp.types import Sentence


@dataclass(frozen=True)
class LocatorInput:
    topic: str
    sentences: list[Sentence]
    others: tuple[str, ...] = ()  # the chunk's other topics, so the model can tell where this one stops


class TopicLocator(Role[LocatorInput, tuple[int, int]]):
    name = "topic_locator"
    max_tokens = 128

    def instructions(self, inp: LocatorInput, profile: Profile) -> str:
        # The topic is named only at the end of the input: every locator prompt of a chunk then shares one long
        # prefix (instructions and sentences), which servers that cache prompts (llama.cpp's, hosted APIs'
        # prompt caching) evaluate once per chunk instead of once per topic.
        return (
            "Find where the topic named in the input's `topic` field is talked about in the sentences: the id of "
            "the first sentence related to it and the id of the last. Other topics of this chunk are listed in "
            '`other_topics`. Answer exactly {"first": <id>, "last": <id>}.'
        )

    def payload(self, inp: LocatorInput) -> dict[str, Any]:
        return {"sentences": sentence_rows(inp.sentences), "other_topics": list(inp.others), "topic": inp.topic}

    def schema(self, inp: LocatorInput, profile: Profile) -> dict[str, Any]:
        ids = id_schema([s.id for s in inp.sentences])
        return object_schema({"first": ids, "last": ids})

    def parse(self, text: str, inp: LocatorInput, profile: Profile) -> tuple[int, int]:
        value = extract_json(text)
        if isinstance(value, dict):
            pair = [value.get("first"), value.get("last")]
        else:
            # the authors' answer style ends with "[first, last]"; take the last pair of ids
            flat = [v for v in value if not isinstance(v, list)] if value and isinstance(value[-1], list) else value
            pair = flat[-2:] if len(flat) >= 2 else (value[-1] if value and isinstance(value[-1], list) else [])
        ids = [as_int(v) for v in pair]
        if len(ids) != 2 or None in ids:
            raise BadModelOutputError("topic locator: expected two sentence ids")
        first, last = sorted(ids)  # a reversed span is repaired, as the authors do
        return clamp_span(first, last, [s.id for s in inp.sentences])

    def fallback(self, inp: LocatorInput, profile: Profile) -> tuple[int, int]:
        raise BadModelOutputError(f"topic {inp.topic!r} could not be located")


def clamp_span(first: int, last: int, chunk_ids: list[int]) -> tuple[int, int]:
    """Clamp a span onto the chunk's ids; a span wholly outside the chunk is rejected.

    ``chunk_ids`` ascend. Ids inside the chunk's range that are absent snap to the nearest present id.
    """
    if not chunk_ids or last < chunk_ids[0] or first > chunk_ids[-1]:
        raise BadModelOutputError(f"span [{first}, {last}] lies outside the chunk")
    lo = chunk_ids[bisect.bisect_left(chunk_ids, max(first, chunk_ids[0]))]
    hi = chunk_ids[bisect.bisect_right(chunk_ids, min(last, chunk_ids[-1])) - 1]
    if lo > hi:
        raise BadModelOutputError(f"span [{first}, {last}] holds no sentence of the chunk")
    return lo, hi
