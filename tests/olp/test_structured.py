"""Structured outputs: the role's schema goes to models that take one, and every answer's outcome is counted."""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry

from olp.caller import ask
from olp.gateway import Gateway
from olp.metrics import PrometheusObserver
from olp.observer import Observers
from olp.poolfile import parse_pool
from olp.profiles import get_profile
from olp.roles.topic_finder import FinderInput, TopicFinder
from olp.roles.topic_locator import LocatorInput, TopicLocator
from olp.structured import answer_outcome, model_response_format, role_response_format
from olp.types import Sentence
from role_rl.pool import PoolStats

EN = get_profile("ecommerce-en")
SENTS = [Sentence(i, f"the #wig costs $89 ({i})") for i in range(3)]


def pool(**info):
    entry = {"model_name": "scripted", "litellm_params": {"model": "olp-test/scripted"}}
    if info:
        entry["model_info"] = info
    return parse_pool({"model_list": [entry, {"model_name": "other", "litellm_params": {"model": "olp-test/other"}}],
                       "olp": {"default_model": "scripted", "num_retries": 0}})


def observed(config):
    metrics, stats = PrometheusObserver(CollectorRegistry()), PoolStats()
    return Gateway(config, Observers(metrics, stats), backoff_s=0), metrics, stats


def count(metrics, role, model, outcome):
    value = metrics.registry.get_sample_value(
        "olp_parse_outcomes_total", {"role": role, "model": model, "outcome": outcome})
    return int(value or 0)


async def test_the_schema_goes_to_a_model_that_declares_support(scripted):
    gw, _, _ = observed(pool(supports_response_schema=True))
    await ask(gw, TopicFinder(), FinderInput(SENTS), EN, ["scripted"])
    sent = scripted.params[-1]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "topic_finder"
    assert sent["json_schema"]["schema"] == TopicFinder().schema(FinderInput(SENTS), EN)


async def test_llama_cpp_servers_get_the_json_object_form(scripted):
    gw, _, _ = observed(pool(supports_response_schema=True, response_format_type="json_object"))
    await ask(gw, TopicLocator(), LocatorInput("wig", SENTS), EN, ["scripted"])
    assert scripted.params[-1]["response_format"] == {
        "type": "json_object", "schema": TopicLocator().schema(LocatorInput("wig", SENTS), EN)}


async def test_models_without_schema_support_get_plain_instructions(scripted):
    gw, _, _ = observed(pool())  # litellm does not know olp-test/scripted: no support
    result = await ask(gw, TopicFinder(), FinderInput(SENTS), EN, ["scripted"])
    assert "response_format" not in scripted.params[-1] and result.value == ["wig"]
    gw, _, _ = observed(pool(supports_response_schema=False))
    await ask(gw, TopicFinder(), FinderInput(SENTS), EN, ["scripted"])
    assert "response_format" not in scripted.params[-1]


def test_local_engines_never_get_a_schema_and_litellm_decides_for_known_models():
    fmt = role_response_format(TopicFinder(), FinderInput(SENTS), EN)
    spec = parse_pool({"model_list": [
        {"model_name": "q", "litellm_params": {"model": "olp-local/quality"},
         "model_info": {"supports_response_schema": True}},
        {"model_name": "g", "litellm_params": {"model": "openai/gpt-4o-mini"}},
        {"model_name": "u", "litellm_params": {"model": "openai/some-local-server"}},
    ]})
    assert model_response_format(spec.spec("q"), fmt) is None
    assert model_response_format(spec.spec("g"), fmt) is fmt  # litellm's map: gpt-4o-mini takes a schema
    assert model_response_format(spec.spec("u"), fmt) is None
    assert model_response_format(spec.spec("g"), None) is None


@pytest.mark.parametrize("text, outcome", [
    ('{"topics": ["wig"]}', "valid"),
    ('Sure! ```json\n{"topics": ["wig"]}\n```', "repaired"),
    ('["wig"]', "repaired"),  # JSON, but not the schema's shape
    ('{"topics": ["wig"], "note": "x"}', "repaired"),
])
def test_answer_outcome(text, outcome):
    assert answer_outcome(text, role_response_format(TopicFinder(), FinderInput(SENTS), EN)) == outcome


async def test_outcomes_are_counted_per_role_and_model_in_metrics_and_stats(scripted, tmp_path):
    gw, metrics, stats = observed(pool())
    finder, inp = TopicFinder(), FinderInput(SENTS)
    answers = iter(['{"topics": ["wig"]}', 'Topics: ["wig"]', "no idea", "no idea", "still none"])
    scripted.answers["topic_finder"] = lambda payload: next(answers)
    await ask(gw, finder, inp, EN, ["scripted"])  # valid
    await ask(gw, finder, inp, EN, ["scripted"])  # repaired
    await ask(gw, finder, inp, EN, ["scripted"])  # unparsable, then fallback
    result = await ask(gw, finder, inp, EN, ["scripted", "other"])  # unparsable twice, then fallback
    assert not result.parsed and result.value == []
    assert [count(metrics, "topic_finder", "scripted", o) for o in ("valid", "repaired", "unparsable", "fallback")] \
        == [1, 1, 2, 2]
    assert count(metrics, "topic_finder", "other", "unparsable") == 1
    stats.save(tmp_path / "stats.json")
    back = PoolStats.load(tmp_path / "stats.json")
    assert back.get("scripted").answers == {"topic_finder": {"valid": 1, "repaired": 1, "unparsable": 2, "fallback": 2}}
    assert back.get("other").outcomes() == {"unparsable": 1}
    assert json.loads((tmp_path / "stats.json").read_text())["models"]["scripted"]["calls"] == 4


def test_olp_pool_shows_how_each_models_answers_fared(tmp_path, capsys):
    import argparse

    from olp.cli import pool as pool_cli

    stats = PoolStats()
    for outcome in ("valid", "valid", "repaired", "unparsable"):
        stats.on_parse("topic_finder", "local-quality", outcome)
    stats.save(tmp_path / "stats.json")
    pool_cli.run(argparse.Namespace(pool=None, stats=str(tmp_path / "stats.json"), checkpoint=None, json=True))
    rows = {r["model"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["local-quality"]["answers"] == {"valid": 2, "repaired": 1, "unparsable": 1}
    assert rows["local-fast"]["answers"] == {}


def _role_schemas():
    from olp.roles.chunk_splitter import ChunkSplitter, SplitterInput
    from olp.roles.content_organizer import ContentOrganizer, OrganizerInput
    from olp.roles.format_checker import FormatChecker, FormatInput
    from olp.roles.relationship_checker import CheckerInput, RelationshipChecker, TopicRef

    ref = TopicRef("wig", (0, 2), tuple(SENTS))
    return [
        TopicFinder().schema(FinderInput(SENTS), EN),
        TopicLocator().schema(LocatorInput("wig", SENTS), EN),
        TopicLocator().schema(LocatorInput("wig", []), EN),
        RelationshipChecker().schema(CheckerInput(ref, ref), EN),
        ContentOrganizer().schema(OrganizerInput("wig", SENTS), EN),
        FormatChecker().schema(FormatInput("wig", {}, (0, 1, 2)), EN),
        ChunkSplitter().schema(SplitterInput(SENTS, (("wig", 0, 2),), 2), EN),
    ]


def test_answers_are_judged_valid_exactly_as_jsonschema_judges_them():
    import itertools

    import jsonschema

    from olp.structured import is_valid

    aspects = [a.label for a in EN.aspects]
    leaves = [0, 1, 2, 3, -1, 1.0, 2.5, True, False, None, "1", "wig", "", "x" * 130, [], {}, [0], [0, 0],
              [0, 1.0], [1, True], [0, 1, 2, 3], ["wig"], ["wig"] * 25, {"a": 1}, [" wig"], ['the "best" wig'],
              ["...", "wig"], ["<olp-input>"], ["red wig, 20 inch"], ["wig\n"], ["假发"]]
    values = list(leaves)
    for key in ("topics", "first", "last", "same", "name", "next_start", "topic", "aspects", "other"):
        values += [{key: v} for v in leaves]
    values += [{"first": a, "last": b} for a, b in itertools.product([0, 2, 5, None, 1.0, True], repeat=2)]
    values += [{"same": s, "name": n} for s in (True, False, 1, None) for n in ("wig", 3, None, "x" * 121)]
    full = {a: [] for a in aspects}
    values += [{"aspects": {**full, aspects[0]: ids}} for ids in ([0, 1], [0, 0], [5], [True], [1.0, 2], "0")]
    values += [{"aspects": {aspects[0]: [0]}}, {"aspects": {**full, "extra": []}}, full]
    values += [{"topic": t, "aspects": {**full, aspects[1]: [2]}} for t in ("wig", "", 7, "x" * 121)]
    checked = 0
    for schema in _role_schemas():
        validator = jsonschema.Draft202012Validator(schema)
        for value in values:
            assert is_valid(schema, value) == validator.is_valid(value), (schema, value)
            checked += 1
    assert checked > 1000
