"""Content Organizer: puts each of a topic's sentences under one of the profile's aspects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from olp.errors import BadModelOutputError
from olp.profiles import Profile
from olp.roles.base import Role, as_int, aspects_schema, extract_json, object_schema, sentence_rows
from olp.types import Sentence

Aspects = dict[str, list[int]]


@dataclass(frozen=True)
class OrganizerInput:
    topic: str
    sentences: list[Sentence]


def _aspect_lookup(profile: Profile) -> dict[str, str]:
    """Every way an answer may name an aspect (label, English key, "(1)", "1"), folded, -> the label."""
    table: dict[str, str] = {}
    for i, a in enumerate(profile.aspects, 1):
        for alias in (a.label, a.key, str(i), f"({i})", f"({i}) {a.label}", f"({i}) {a.key}"):
            table[_fold(alias)] = a.label
    return table


def _fold(name: str) -> str:
    return re.sub(r"[\s_:：*#\-（）()]+", "", str(name)).lower()


def normalize_aspects(value: Any, allowed: list[int], profile: Profile, *, what: str) -> Aspects:
    """Validate and repair an {aspect: [ids]} answer against the topic's sentence ids.

    Unknown aspects and ids outside ``allowed`` are dropped; a sentence placed twice keeps its first place; a
    sentence placed nowhere goes to the profile's default aspect. Every aspect is present in the result, in
    profile order, with ascending ids. Raises BadModelOutputError when the answer places no valid sentence.
    """
    if isinstance(value, dict) and isinstance(value.get("aspects"), dict):
        value = value["aspects"]
    if not isinstance(value, dict):
        raise BadModelOutputError(f"{what}: expected an object of aspects")
    lookup = _aspect_lookup(profile)
    allowed_set = set(allowed)
    placed: dict[int, str] = {}
    for raw_name, entries in value.items():
        label = lookup.get(_fold(raw_name))
        if label is None or not isinstance(entries, list):
            continue
        for entry in entries:
            sid = as_int(entry[0] if isinstance(entry, (list, tuple)) and entry else
                         entry.get("id") if isinstance(entry, dict) else entry)
            if sid is not None and sid in allowed_set and sid not in placed:
                placed[sid] = label
    if not placed:
        raise BadModelOutputError(f"{what}: the answer places none of the topic's sentences")
    for sid in allowed:
        placed.setdefault(sid, profile.default_aspect)
    result: Aspects = {a.label: [] for a in profile.aspects}
    for sid in sorted(placed):
        result[placed[sid]].append(sid)
    return result


class ContentOrganizer(Role[OrganizerInput, Aspects]):
    name = "content_organizer"
    max_tokens = 2048

    def instructions(self, inp: OrganizerInput, profile: Profile) -> str:
        aspects = "; ".join(f"({i}) {a.label}: {a.hint}" for i, a in enumerate(profile.aspects, 1))
        return (
            f"The sentences below are about {inp.topic!r}. Place EACH AND EVERY sentence into the most "
            f"appropriate ONE of these aspects: {aspects}. Use sentence ids only, without repetition or omission. "
            'Answer exactly {"aspects": {"<aspect>": [<id>, ...], ...}} with all aspects present.'
        )

    def payload(self, inp: OrganizerInput) -> dict[str, Any]:
        return {"topic": inp.topic, "sentences": sentence_rows(inp.sentences)}

    def schema(self, inp: OrganizerInput, profile: Profile) -> dict[str, Any]:
        return object_schema({"aspects": aspects_schema(profile, [s.id for s in inp.sentences])})

    def parse(self, text: str, inp: OrganizerInput, profile: Profile) -> Aspects:
        value = extract_json(text, dict)
        return normalize_aspects(value, [s.id for s in inp.sentences], profile, what="content organizer")

    def fallback(self, inp: OrganizerInput, profile: Profile) -> Aspects:
        result: Aspects = {a.label: [] for a in profile.aspects}
        result[profile.default_aspect] = [s.id for s in inp.sentences]
        return result

    def dump(self, value: Aspects) -> str:
        import json

        return json.dumps({"aspects": value}, ensure_ascii=False)
