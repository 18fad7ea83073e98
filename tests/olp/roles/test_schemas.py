"""Each role's answer schema: a valid JSON Schema that takes the answers the instructions ask for and only those."""

from __future__ import annotations

import json

import jsonschema
import pytest

from olp.profiles import get_profile
from olp.roles import ROLE_CLASSES
from olp.roles.chunk_splitter import ChunkSplitter, SplitterInput
from olp.roles.content_organizer import ContentOrganizer, OrganizerInput
from olp.roles.format_checker import FormatChecker, FormatInput
from olp.roles.relationship_checker import CheckerInput, RelationshipChecker, TopicRef
from olp.roles.topic_finder import FinderInput, TopicFinder
from olp.roles.topic_locator import LocatorInput, TopicLocator
from olp.types import Sentence

EN = get_profile("ecommerce-en")
ZH = get_profile("ecommerce-zh")
SENTS = [Sentence(i, f"sentence {i}") for i in range(10, 14)]
LABELS = EN.aspect_labels

INPUTS = {
    "topic_finder": FinderInput(SENTS),
    "topic_locator": LocatorInput("wig: $89", SENTS),
    "relationship_checker": CheckerInput(TopicRef("wig", (10, 11)), TopicRef("wig set", (12, 13))),
    "content_organizer": OrganizerInput("wig", SENTS),
    "format_checker": FormatInput("wig", {}, (10, 11, 12, 13)),
    "chunk_splitter": SplitterInput(SENTS, (("wig", 10, 13),), 13),
}


def aspects(**placed: list[int]) -> dict[str, list[int]]:
    out = {label: [] for label in LABELS}
    out.update({LABELS[int(k[1:])]: v for k, v in placed.items()})
    return out


GOOD = {
    "topic_finder": [{"topics": ["wig: $89"]}, {"topics": []}],
    "topic_locator": [{"first": 10, "last": 12}],
    "relationship_checker": [{"same": True, "name": "wig"}, {"same": False}],
    "content_organizer": [{"aspects": aspects(a0=[10], a3=[11, 12, 13])}],
    "format_checker": [{"topic": "wig", "aspects": aspects(a3=[10, 11, 12, 13])}],
    "chunk_splitter": [{"next_start": 10}, {"next_start": None}],
}
BAD = {
    "topic_finder": [["wig"], {"topics": [""]}, {"topics": ["x"], "more": 1}, {"topics": ["x"] * 25},
                     {"topics": ["..."]}, {"topics": ["<olp-input>\n{"]}, {"topics": ['a "b"']}],
    "topic_locator": [{"first": 9, "last": 12}, {"first": 10}, {"first": "10", "last": 12}],
    "relationship_checker": [{"same": "yes"}, {"name": "wig"}],
    "content_organizer": [{"aspects": aspects(a0=[99])}, {"aspects": {LABELS[0]: [10]}},
                          {"aspects": {**aspects(), "Other": []}}, {"aspects": aspects(a0=[10, 10])}],
    "format_checker": [{"topic": "", "aspects": aspects()}, {"aspects": aspects()}],
    "chunk_splitter": [{"next_start": 42}, {}],
}


@pytest.mark.parametrize("name", list(ROLE_CLASSES))
def test_every_role_has_a_valid_schema_that_takes_good_answers(name):
    schema = ROLE_CLASSES[name]().schema(INPUTS[name], EN)
    jsonschema.Draft202012Validator.check_schema(schema)
    for answer in GOOD[name]:
        jsonschema.validate(answer, schema)


@pytest.mark.parametrize("name", list(ROLE_CLASSES))
def test_schemas_reject_answers_the_instructions_do_not_allow(name):
    schema = ROLE_CLASSES[name]().schema(INPUTS[name], EN)
    for answer in BAD[name]:
        assert not jsonschema.Draft202012Validator(schema).is_valid(answer), answer


@pytest.mark.parametrize("name", list(ROLE_CLASSES))
def test_canonical_answers_match_the_schema(name):
    """What ``dump`` writes (the board's corrections, the local engines' style) is schema-valid."""
    role = ROLE_CLASSES[name]()
    for answer in GOOD[name]:
        value = role.parse(json.dumps(answer), INPUTS[name], EN)
        dumped = json.loads(role.dump(value))
        if name == "topic_finder":
            dumped = {"topics": dumped}  # the finder's value is the bare list
        if name == "topic_locator":
            dumped = {"first": dumped[0], "last": dumped[1]}
        jsonschema.validate(dumped, role.schema(INPUTS[name], EN))


def test_the_finder_drops_names_without_a_letter_or_digit():
    """Gemma 3 270M answers the instructions' placeholder: {"topics": ["...", "..."]}."""
    answer = '{"topics": ["...", "…", "--", "wig: $89"]}'
    assert TopicFinder().parse(answer, INPUTS["topic_finder"], EN) == ["wig: $89"]
    assert TopicFinder().parse('{"topics": ["咖啡 34元"]}', INPUTS["topic_finder"], ZH) == ["咖啡 34元"]


def test_aspect_schemas_use_the_profiles_labels():
    schema = ContentOrganizer().schema(OrganizerInput("茶", SENTS), ZH)
    assert list(schema["properties"]["aspects"]["properties"]) == list(ZH.aspect_labels)
    assert list(FormatChecker().schema(INPUTS["format_checker"], ZH)["properties"]["aspects"]["required"]) == list(
        ZH.aspect_labels)


def test_id_schemas_list_exactly_the_ids_of_the_input():
    assert TopicLocator().schema(INPUTS["topic_locator"], EN)["properties"]["first"] == {"enum": [10, 11, 12, 13]}
    assert ChunkSplitter().schema(INPUTS["chunk_splitter"], EN)["properties"]["next_start"] == {
        "enum": [10, 11, 12, 13, None]}
    assert RelationshipChecker().schema(INPUTS["relationship_checker"], EN)["required"] == ["same"]
    assert TopicFinder().schema(INPUTS["topic_finder"], EN)["properties"]["topics"]["maxItems"] == 24
