"""The reward and its role-specific correctness."""

import pytest

from olp.errors import ConfigError
from role_rl.reward import PRESETS, RewardConfig, correctness, preset, span_iou, text_similarity


def test_span_iou_counts_sentences():
    assert span_iou((10, 19), (10, 19)) == 1.0
    assert span_iou((10, 19), (20, 29)) == 0.0
    assert span_iou((10, 19), (15, 24)) == pytest.approx(5 / 15)
    assert span_iou((5, 5), (5, 5)) == 1.0  # one sentence is a span of length 1
    assert span_iou((19, 10), (10, 19)) == 1.0  # reversed spans are repaired
    assert span_iou(None, (1, 2)) == 0.0


def test_text_similarity_is_normalized_levenshtein():
    assert text_similarity("abcd", "abcd") == 1.0
    assert text_similarity("abcd", "abce") == pytest.approx(0.75)
    assert text_similarity("", "") == 1.0
    assert text_similarity("", "abc") == 0.0


def test_right_answer_scores_one_for_every_role():
    for role in ("topic_finder", "topic_locator", "relationship_checker", "content_organizer", "chunk_splitter"):
        assert correctness(role, True, wrong=-10.0) == 1.0


def test_finder_is_right_or_wrong_and_right_when_equal_to_the_correction():
    assert correctness("topic_finder", False, ["wig"], ["hat"], wrong=-10.0) == -10.0
    # the judge said wrong but its correction is the same answer (spaces aside): the authors count it right
    assert correctness("topic_finder", False, answer_text='["wig", "hat"]', corrected_text='["wig","hat"]',
                       wrong=-10.0) == 1.0
    assert correctness("topic_finder", False, ["wig"], None, wrong=-1.0) == -1.0  # no correction given


def test_checker_is_right_when_its_yes_no_matches_the_correction():
    assert correctness("relationship_checker", False, answer_text='{"same": true, "name": "a"}',
                       corrected_text='{"same": true, "name": "b"}') == 1.0
    assert correctness("relationship_checker", False, answer_text="Yes, they are",
                       corrected_text="No, they aren't", wrong=-10.0) == -10.0


def test_locator_scores_by_iou_with_the_corrected_span():
    assert correctness("topic_locator", False, (10, 19), (10, 19)) == 1.0
    assert correctness("topic_locator", False, (10, 19), (20, 29)) == -1.0
    half = span_iou((10, 19), (15, 24))
    assert correctness("topic_locator", False, (10, 19), (15, 24)) == pytest.approx(2 * half - 1)


def test_organizer_scores_by_similarity_on_the_wrong_value_scale():
    sim = text_similarity("aaaa", "aaab")
    assert correctness("content_organizer", False, answer_text="aaaa", corrected_text="aaab",
                       wrong=-10.0) == pytest.approx(11 * sim - 10)
    assert correctness("content_organizer", False, answer_text="aaaa", corrected_text="aaab",
                       wrong=-1.0) == pytest.approx(2 * sim - 1)


def test_reward_weighs_cost_and_latency():
    cfg = RewardConfig(v=1.0, k1=10.0, k2=0.01)
    assert cfg.reward(1.0, 0.0, 0.0) == 1.0
    cheap, dear = cfg.reward(1.0, 0.001, 1.0), cfg.reward(1.0, 0.05, 1.0)
    fast, slow = cfg.reward(1.0, 0.001, 0.5), cfg.reward(1.0, 0.001, 20.0)
    assert cheap > dear and fast > slow
    assert cfg.reward(-1.0, 0.0, 0.0) < dear  # a wrong answer is worse than a right expensive one


def test_paper_preset_is_the_authors_formula():
    paper = preset("paper")
    # claude-3-opus, right answer: 10 - 0.1 - (15 + 75) * 25,000 / 1e6 (the authors' worked example: 7.65)
    assert paper.reward(1.0, (15 + 75) * 25_000 / 1e6, latency_s=42.0) == pytest.approx(7.65)
    assert paper.fixed_tokens == 25_000 and set(PRESETS) >= {"olp", "paper"}


def test_unknown_preset_suggests_a_name():
    with pytest.raises(ConfigError, match="did you mean 'paper'"):
        preset("papr")
