"""Cost in USD from token usage."""

from __future__ import annotations

import pytest

from olp.evaluation.cost import PAPER_PRICES, call_cost, cost_by, tokens, total_cost
from olp.types import CallRecord

OPUS = CallRecord(role="topic_finder", model="claude-3-opus-20240229", input_tokens=1000, output_tokens=500,
                  cost_usd=99.0)
LOCAL = CallRecord(role="content_organizer", model="local-fast", input_tokens=10, output_tokens=10, cost_usd=0.002)


def test_priced_from_tokens_when_the_model_has_a_price():
    assert call_cost(OPUS, PAPER_PRICES) == pytest.approx((1000 * 15 + 500 * 75) / 1e6)  # 0.0525


def test_falls_back_to_the_record_cost():
    assert call_cost(LOCAL, PAPER_PRICES) == 0.002
    assert call_cost(OPUS) == 99.0


def test_totals_and_groups():
    records = [OPUS, LOCAL, OPUS]
    assert total_cost(records, PAPER_PRICES) == pytest.approx(2 * 0.0525 + 0.002)
    assert cost_by(records, "role", PAPER_PRICES) == pytest.approx({"topic_finder": 0.105, "content_organizer": 0.002})
    assert cost_by(records, "model") == pytest.approx({"claude-3-opus-20240229": 198.0, "local-fast": 0.002})
    assert tokens(records) == (2010, 1010)
    with pytest.raises(ValueError, match="role"):
        cost_by(records, "stream")


def test_many_tiny_costs_sum_exactly():
    tiny = [CallRecord(role="r", model="m", cost_usd=0.1)] * 10
    assert total_cost(tiny) == 1.0  # fsum: a plain float sum gives 0.9999999999999999
