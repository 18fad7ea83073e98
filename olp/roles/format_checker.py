"""Format Checker: validates a topic document against the schema and repairs it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from olp.errors import BadModelOutputError
from olp.profiles import Profile
from olp.roles.base import Role, aspects_schema, extract_json, object_schema
from olp.roles.content_organizer import Aspects, normalize_aspects
from olp.roles.topic_finder import clean_name


@dataclass(frozen=True)
class FormatInput:
    topic: str
    aspects: dict[str, Any]  # as organized (may be malformed: that is what this role checks)
    allowed: tuple[int, ...]  # the topic's sentence ids


@dataclass(frozen=True)
class FormatAnswer:
    topic: str
    aspects: Aspects


class FormatChecker(Role[FormatInput, FormatAnswer]):
    name = "format_checker"
    max_tokens = 2048

    def instructions(self, inp: FormatInput, profile: Profile) -> str:
        labels = ", ".join(repr(a) for a in profile.aspect_labels)
        return (
            "Check this topic document and correct it. Rules: the topic is a short non-empty name; the aspects "
            f"are exactly {labels}; every sentence id in `allowed` appears under exactly one aspect; no other ids; "
            'ids ascend. Answer the corrected document exactly {"topic": "...", "aspects": {"<aspect>": [<id>, ...]}}.'
        )

    def payload(self, inp: FormatInput) -> dict[str, Any]:
        return {"document": {"topic": inp.topic, "aspects": inp.aspects}, "allowed": list(inp.allowed)}

    def schema(self, inp: FormatInput, profile: Profile) -> dict[str, Any]:
        return object_schema({"topic": {"type": "string", "minLength": 1, "maxLength": 120},
                              "aspects": aspects_schema(profile, list(inp.allowed))})

    def parse(self, text: str, inp: FormatInput, profile: Profile) -> FormatAnswer:
        value = extract_json(text, dict)
        topic = clean_name(value.get("topic") or "") or inp.topic
        aspects = normalize_aspects(value.get("aspects", value), list(inp.allowed), profile, what="format checker")
        return FormatAnswer(topic, aspects)

    def fallback(self, inp: FormatInput, profile: Profile) -> FormatAnswer:
        """Deterministic repair of the organized document itself."""
        try:
            aspects = normalize_aspects(inp.aspects, list(inp.allowed), profile, what="format checker")
        except BadModelOutputError:
            aspects = {a.label: [] for a in profile.aspects}
            aspects[profile.default_aspect] = sorted(inp.allowed)
        return FormatAnswer(clean_name(inp.topic) or "untitled topic", aspects)

    def dump(self, value: FormatAnswer) -> str:
        return json.dumps({"topic": value.topic, "aspects": value.aspects}, ensure_ascii=False)
