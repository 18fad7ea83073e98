"""Chunk Splitter: where the next chunk starts, so a topic crossing the chunk boundary is read whole."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from olp.errors import BadModelOutputError
from olp.profiles import Profile
from olp.roles.base import Role, as_int, extract_json, id_schema, object_schema, sentence_rows
from olp.types import Sentence


@dataclass(frozen=True)
class SplitterInput:
    """The chunk's tail sentences and the topics located in the chunk (name, first id, last id)."""

    tail: list[Sentence]
    topics: tuple[tuple[str, int, int], ...]
    chunk_end: int


class ChunkSplitter(Role[SplitterInput, int | None]):
    """Answers the id the next chunk starts at (it and what follows are read again), or None: nothing carries."""

    name = "chunk_splitter"
    max_tokens = 64

    def instructions(self, inp: SplitterInput, profile: Profile) -> str:
        return (
            "This is the end of a chunk of a live transcript; more text will follow. Choose where the next chunk "
            "starts: the first sentence of a topic that may continue after this chunk, so that it is read whole "
            "with the text that follows. If every topic is finished, answer null. "
            'Answer exactly {"next_start": <id or null>}.'
        )

    def payload(self, inp: SplitterInput) -> dict[str, Any]:
        return {
            "topics": [{"name": n, "span": [a, b]} for n, a, b in inp.topics],
            "chunk_end": inp.chunk_end,
            "sentences": sentence_rows(inp.tail),
        }

    def schema(self, inp: SplitterInput, profile: Profile) -> dict[str, Any]:
        ids = [s.id for s in inp.tail] + [t[1] for t in inp.topics]
        return object_schema({"next_start": id_schema(ids, nullable=True)})

    def parse(self, text: str, inp: SplitterInput, profile: Profile) -> int | None:
        value = extract_json(text)
        raw = value.get("next_start") if isinstance(value, dict) else (value[0] if value else None)
        if raw is None:
            return None
        sid = as_int(raw)
        valid = {s.id for s in inp.tail} | {t[1] for t in inp.topics}
        if sid is None or sid not in valid:
            raise BadModelOutputError(f"chunk splitter: {raw!r} is not a sentence id of this chunk")
        return sid

    def fallback(self, inp: SplitterInput, profile: Profile) -> int | None:
        return rule_next_start(inp)

    def dump(self, value: int | None) -> str:
        return json.dumps({"next_start": value})


def rule_next_start(inp: SplitterInput) -> int | None:
    """The authors' rule: re-read the chunk's last topic; with no topic, re-read the last sentence."""
    if inp.topics:
        return max(inp.topics, key=lambda t: (t[2], t[1]))[1]
    return inp.tail[-1].id if inp.tail else None
