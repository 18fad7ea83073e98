"""Topic Finder: which topics does the chunk talk about?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from olp.errors import BadModelOutputError
from olp.profiles import Profile
from olp.roles.base import Role, extract_json, object_schema, sentence_rows
from olp.types import Sentence

MAX_TOPICS = 24
MAX_NAME = 120
_JUNK = {"", "none", "n/a", "unspecified item", "product not specified", "unknown", "无", "未指定商品"}
#: A name starts with neither space nor punctuation and holds no quote, backslash or control character: a constrained
#: decoder (llama.cpp turns the schema into a grammar) cannot answer the instructions' placeholder "..." or the
#: prompt's tags, nor write an invalid JSON string.
NAME_PATTERN = r'^[^ .…,;:!?*#<"\x27\\\x00-\x1f][^"\\\x00-\x1f]*$'  # no \s, \-, \': llama.cpp's grammars lack them


@dataclass(frozen=True)
class FinderInput:
    sentences: list[Sentence]


def clean_name(name: str) -> str:
    """A topic name as stored: whitespace folded, control characters gone, length bounded."""
    name = re.sub(r"[\x00-\x1f\x7f]", " ", str(name))
    return re.sub(r"\s+", " ", name).strip(" \t\"'`*-•")[:MAX_NAME].strip()


class TopicFinder(Role[FinderInput, list[str]]):
    name = "topic_finder"
    max_tokens = 512

    def instructions(self, inp: FinderInput, profile: Profile) -> str:
        return (
            f"Read the sentences in order and list the {profile.topic_kind} they talk about, in order of first "
            f"appearance. Name each as {profile.topic_format}. Do not list the same topic twice. "
            'Answer exactly {"topics": ["...", "..."]} ({"topics": []} when there are none).'
        )

    def payload(self, inp: FinderInput) -> dict[str, Any]:
        return {"sentences": sentence_rows(inp.sentences)}

    def schema(self, inp: FinderInput, profile: Profile) -> dict[str, Any]:
        name = {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": NAME_PATTERN}
        return object_schema({"topics": {"type": "array", "items": name, "maxItems": MAX_TOPICS}})

    def parse(self, text: str, inp: FinderInput, profile: Profile) -> list[str]:
        value = extract_json(text)
        if isinstance(value, dict):
            value = value.get("topics", value.get("items"))
        if not isinstance(value, list):
            raise BadModelOutputError("topic finder: expected a list of topics")
        names: list[str] = []
        seen: set[str] = set()
        for item in value:
            if isinstance(item, dict):
                item = item.get("name") or item.get("topic") or ""
            if not isinstance(item, (str, int, float)):
                continue
            name = clean_name(str(item))
            # a name without a letter or digit ("...", the instructions' placeholder) names nothing
            if name.lower() in _JUNK or name.lower() in seen or not any(ch.isalnum() for ch in name):
                continue
            seen.add(name.lower())
            names.append(name)
        return names[:MAX_TOPICS]

    def fallback(self, inp: FinderInput, profile: Profile) -> list[str]:
        return []


def base_name(topic: str) -> str:
    """The topic name without its price part ("wig: $89" -> "wig"), as the authors split on ':'."""
    return re.split(r"[:：]", topic, maxsplit=1)[0].strip() or topic
