"""The simulated pool: calibrated accuracy, answers the role parsers accept, a truthful board, litellm wiring."""

from __future__ import annotations

import math

import pytest

from olp.bench.simpool import (
    ACCURACY,
    JUDGE_OK,
    MODELS,
    PRICES_PER_M,
    RECORDED_ACCURACY,
    RECORDED_ROLES,
    SimPool,
    derive_accuracy,
    judge_messages,
    parse_verdict,
)
from olp.datasets.synthetic import SyntheticConfig, generate
from olp.errors import BadModelOutputError
from olp.profiles import get_profile
from olp.roles import ROLE_CLASSES
from olp.roles.chunk_splitter import SplitterInput
from olp.roles.content_organizer import OrganizerInput
from olp.roles.format_checker import FormatInput
from olp.roles.relationship_checker import CheckerInput, TopicRef
from olp.roles.topic_finder import FinderInput
from olp.roles.topic_locator import LocatorInput
from olp.types import ROLES


def _pool(n: int = 2400) -> tuple[SimPool, list]:
    sim = SimPool(time_scale=0.0, seed=3)
    ts = [generate(n, lang, seed=11, config=SyntheticConfig(start_id=(k + 1) * 10_000_000))
          for k, lang in enumerate(("en", "zh"))]
    for t in ts:
        sim.register(t)
    return sim, ts


def _cases(t, step: int = 20):
    """(role, input) pairs built from a transcript's gold labels, the way the pipeline builds them."""
    prof = get_profile(t.profile)
    size = prof.chunk_size
    by_id = {s.id: s for s in t.sentences}
    for lo in range(0, len(t.sentences) - size, step):
        chunk = t.sentences[lo: lo + size]
        ids = {s.id for s in chunk}
        topics = [(g, [i for i in g.ids if i in ids]) for g in t.topics]
        topics = [(g, inside) for g, inside in topics if inside]
        names = [f"{g.name}: {t.products[g.name]['price']}" for g, _ in topics]
        yield "topic_finder", FinderInput(chunk)
        for (g, inside), name in zip(topics, names):
            yield "topic_locator", LocatorInput(name, chunk, tuple(n for n in names if n != name))
            sents = [by_id[i] for i in range(inside[0], inside[-1] + 1)]
            yield "content_organizer", OrganizerInput(name, sents)
            aspects = {a: [] for a in prof.aspect_labels}
            for i in inside:
                aspects[g.aspects[i]].append(i)
            yield "format_checker", FormatInput(name, aspects, tuple(s.id for s in sents))
        refs = [TopicRef(n, (inside[0], inside[-1]), tuple(by_id[i] for i in inside[:3]))
                for (g, inside), n in zip(topics, names)]
        for a, b in zip(refs, refs[1:]):
            yield "relationship_checker", CheckerInput(a, b)
        if refs and refs[0].span[1] > refs[0].span[0]:  # the two halves of one topic: the same
            (lo_id, hi_id), mid = refs[0].span, (refs[0].span[0] + refs[0].span[1]) // 2
            yield "relationship_checker", CheckerInput(TopicRef(refs[0].name, (lo_id, mid)),
                                                       TopicRef(refs[0].name, (mid + 1, hi_id)))
        spans = tuple((n, inside[0], inside[-1]) for (g, inside), n in zip(topics, names))
        yield "chunk_splitter", SplitterInput(chunk, spans, chunk[-1].id)


@pytest.fixture(scope="module")
def pool():
    return _pool(1500)


def test_calibration_table_is_the_recorded_share_of_positive_rewards(shared_data):
    derived = derive_accuracy(str(shared_data / "role-rl-recorded"))
    for model in MODELS:
        assert derived[model] == pytest.approx(RECORDED_ACCURACY[model])
    # the unrecorded roles get each model's mean over the four recorded ones
    for model in MODELS:
        mean = sum(RECORDED_ACCURACY[model]) / 4
        assert ACCURACY[model]["format_checker"] == ACCURACY[model]["chunk_splitter"] == pytest.approx(mean)
        for role, share in zip(RECORDED_ROLES, RECORDED_ACCURACY[model]):
            assert ACCURACY[model][role] == share


def test_answers_are_right_at_the_calibrated_rate_and_parse(pool):
    sim, ts = pool
    right: dict[tuple[str, str], list[int]] = {}
    for t in ts:
        prof = get_profile(t.profile)
        for role_name, inp in _cases(t):
            role = ROLE_CLASSES[role_name]()
            messages = role.build_messages(inp, prof)
            payload = {"task": role_name, "profile": prof.name, **role.payload(inp)}
            # the correct answer parses, and is right
            value = role.parse(sim.correct_text(payload), inp, prof)
            assert sim.is_right(role_name, payload, value)
            for model in MODELS:
                text, latency = sim.answer(model, messages)
                assert latency > 0
                value = role.parse(text, inp, prof)  # wrong answers are plausible: they parse too
                ok = sim.is_right(role_name, payload, value)
                assert ok == sim.is_correct(model, messages)
                right.setdefault((model, role_name), []).append(ok)
    for (model, role_name), oks in right.items():
        n, share, acc = len(oks), sum(oks) / len(oks), ACCURACY[model][role_name]
        tolerance = 4 * math.sqrt(max(acc * (1 - acc), 0.02) / n) + 0.02
        assert abs(share - acc) <= tolerance, (model, role_name, n, share, acc)
    assert {r for _, r in right} == set(ROLES)
    assert min(len(v) for v in right.values()) >= 100


def test_same_prompt_same_answer_and_the_seed_matters(pool):
    sim, ts = pool
    prof = get_profile(ts[0].profile)
    role = ROLE_CLASSES["topic_finder"]()
    prompts = [role.build_messages(FinderInput(ts[0].sentences[i: i + 60]), prof) for i in range(0, 600, 30)]
    first = [sim.answer("gpt-4o-2024-05-13", m)[0] for m in prompts]
    assert first == [sim.answer("gpt-4o-2024-05-13", m)[0] for m in prompts]
    other, _ = _pool()
    other.seed = 4
    assert first != [other.answer("gpt-4o-2024-05-13", m)[0] for m in prompts]


def test_the_board_is_truthful_and_corrects_with_its_own_answer(pool):
    sim, ts = pool
    prof = get_profile(ts[0].profile)
    role = ROLE_CLASSES["topic_locator"]()
    verdicts = []
    for role_name, inp in _cases(ts[0], step=60):
        if role_name != "topic_locator":
            continue
        messages = role.build_messages(inp, prof)
        payload = {"task": role_name, "profile": prof.name, **role.payload(inp)}
        answer, _ = sim.answer("llama3-8b-8192", messages)
        reply, _ = sim.answer("claude-3-opus-20240229", judge_messages(messages[-1]["content"], answer))
        right, corrected = parse_verdict(reply)
        assert right == sim.is_right(role_name, payload, answer)
        if right:
            assert reply == JUDGE_OK and corrected is None
        else:  # claude locates right every time: its correction is the right answer
            assert sim.is_right(role_name, payload, role.parse(corrected, inp, prof))
        verdicts.append(right)
    assert 0 < sum(verdicts) < len(verdicts)


def test_role_rl_board_prompts_get_a_json_verdict(pool):
    board = pytest.importorskip("role_rl.board")
    sim, ts = pool
    prof = get_profile(ts[1].profile)
    role = ROLE_CLASSES["relationship_checker"]()
    seen = set()
    for role_name, inp in _cases(ts[1], step=60):
        if role_name != "relationship_checker":
            continue
        payload = {"task": role_name, "profile": prof.name, **role.payload(inp)}
        answer, _ = sim.answer("mixtral-8x7b-32768", role.build_messages(inp, prof))
        reply, _ = sim.answer("gemini-1.5-pro", board.judge_messages(role, inp, answer, prof))
        verdict = board.parse_judge_reply(reply)
        assert verdict.correct == sim.is_right(role_name, payload, answer)
        if not verdict.correct:  # a yes/no answer judged wrong: the correction is the other answer, the right one
            assert sim.is_right(role_name, payload, role.parse(verdict.corrected_text, inp, prof))
        seen.add(verdict.correct)
    assert seen == {True, False}


def test_oracle_picks_the_cheapest_model_that_is_right(pool):
    sim, ts = pool
    prof = get_profile(ts[1].profile)
    for role_name, inp in list(_cases(ts[1], step=60))[:80]:
        role = ROLE_CLASSES[role_name]()
        messages = role.build_messages(inp, prof)
        out = len(sim.correct_text({"task": role_name, "profile": prof.name, **role.payload(inp)}))

        def cost(m: str) -> float:  # this prompt and the right answer at m's prices (characters for tokens)
            return PRICES_PER_M[m][0] * len(messages[-1]["content"]) + PRICES_PER_M[m][1] * out

        pick = sim.oracle_model(messages)
        right = [m for m in MODELS if sim.is_correct(m, messages)]
        if right:
            assert pick == min(right, key=cost)
        else:
            assert pick == min(MODELS, key=cost)


async def test_through_litellm_the_gateway_counts_tokens_and_prices_them(pool):
    from olp.gateway import Gateway

    sim, ts = pool
    sim.install()
    gateway = Gateway(sim.pool_config(), backoff_s=0)
    prof = get_profile(ts[0].profile)
    role = ROLE_CLASSES["topic_finder"]()
    messages = role.build_messages(FinderInput(ts[0].sentences[:60]), prof)
    for model in ("llama3-8b-8192", "claude-3-opus-20240229"):
        rec = await gateway.complete("topic_finder", model, messages)
        assert rec.ok, rec.error
        assert rec.input_tokens > 500 and rec.output_tokens > 5  # counted on the real prompt and answer
        p_in, p_out = PRICES_PER_M[model]
        assert rec.cost_usd == pytest.approx((rec.input_tokens * p_in + rec.output_tokens * p_out) / 1e6)
        assert role.parse(rec.text, FinderInput(ts[0].sentences[:60]), prof) is not None
    assert sim.ledger[-1].model == "claude-3-opus-20240229" and sim.ledger[-1].latency_s >= 2.0 * 0.5


def test_registering_overlapping_ids_is_refused():
    sim = SimPool()
    sim.register(generate(50, "en", seed=1))
    with pytest.raises(ValueError, match="start_id"):
        sim.register(generate(50, "en", seed=2))


def test_unknown_model_and_task_are_refused(pool):
    sim, ts = pool
    prof = get_profile(ts[0].profile)
    messages = ROLE_CLASSES["topic_finder"]().build_messages(FinderInput(ts[0].sentences[:10]), prof)
    with pytest.raises(ValueError, match="unknown simulated model"):
        sim.answer("gpt-5", messages)
    with pytest.raises(BadModelOutputError):
        sim.answer("command-r", [{"role": "user", "content": "hello"}])
