"""Relationship Checker: are two topics the same (or closely related), so that they merge?"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from olp.errors import BadModelOutputError
from olp.profiles import Profile
from olp.roles.base import Role, extract_json, object_schema, sentence_rows
from olp.roles.topic_finder import clean_name
from olp.types import Sentence


@dataclass(frozen=True)
class TopicRef:
    """A topic as the checker sees it: its name, span and a few of its sentences."""

    name: str
    span: tuple[int, int]
    sample: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class CheckerInput:
    a: TopicRef
    b: TopicRef


@dataclass(frozen=True)
class CheckerAnswer:
    same: bool
    name: str  # the merged topic's name when ``same``, else a's name


class RelationshipChecker(Role[CheckerInput, CheckerAnswer]):
    name = "relationship_checker"
    max_tokens = 128

    def instructions(self, inp: CheckerInput, profile: Profile) -> str:
        return (
            f"Two topics were found in a live transcript. {profile.same_question} "
            'Answer exactly {"same": true, "name": "<one name for both>"} or {"same": false}.'
        )

    def payload(self, inp: CheckerInput) -> dict[str, Any]:
        def ref(t: TopicRef) -> dict[str, Any]:
            return {"name": t.name, "span": list(t.span), "sentences": sentence_rows(list(t.sample))}

        return {"a": ref(inp.a), "b": ref(inp.b)}

    def schema(self, inp: CheckerInput, profile: Profile) -> dict[str, Any]:
        # "name" only matters when "same" is true; the instructions leave it out otherwise
        return object_schema({"same": {"type": "boolean"}, "name": {"type": "string", "maxLength": 120}}, ["same"])

    def parse(self, text: str, inp: CheckerInput, profile: Profile) -> CheckerAnswer:
        try:
            value = extract_json(text, dict)
        except BadModelOutputError:
            # the authors' answer style: "Yes, they are" / "No, they aren't"
            head = text.strip().lower()
            if re.match(r"^(yes|是|相同)", head):
                return CheckerAnswer(True, inp.a.name)
            if re.match(r"^(no|不|否)", head):
                return CheckerAnswer(False, inp.a.name)
            raise
        same = value.get("same")
        if isinstance(same, str):
            same = same.strip().lower() in {"true", "yes", "1"}
        if not isinstance(same, bool):
            raise BadModelOutputError('relationship checker: "same" must be true or false')
        merged = clean_name(value.get("name") or "") if same else ""
        return CheckerAnswer(same, merged or inp.a.name)

    def fallback(self, inp: CheckerInput, profile: Profile) -> CheckerAnswer:
        return CheckerAnswer(inp.a.name.lower() == inp.b.name.lower(), inp.a.name)

    def dump(self, value: CheckerAnswer) -> str:
        import json

        return json.dumps({"same": value.same, "name": value.name} if value.same else {"same": False})
