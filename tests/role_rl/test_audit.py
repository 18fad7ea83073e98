"""Audit sampling: every call, a fixed share, or a share that falls as a role settles."""

import pytest

from olp.errors import ConfigError
from role_rl.audit import AuditPolicy


def share(policy, n=2000, role="r", model="m"):
    return sum(policy.should_audit(role, model) for _ in range(n)) / n


def test_all_and_fixed():
    assert share(AuditPolicy(mode="all")) == 1.0
    assert share(AuditPolicy(mode="fixed", rate=0.2, min_rate=0.0, seed=1)) == pytest.approx(0.2, abs=0.04)


def test_adaptive_rate_falls_with_right_verdicts_and_recovers_after_a_wrong_one():
    p = AuditPolicy(mode="adaptive", rate=1.0, min_rate=0.05, half_life=5, seed=0)
    assert p.rate_for("r", "m") == 1.0
    for _ in range(10):
        p.record("r", "m", True)
    assert p.rate_for("r", "m") == pytest.approx(0.25)
    assert p.rate_for("r", "other") == 1.0  # a model new to the role is watched closely
    for _ in range(100):
        p.record("r", "m", True)
    assert p.rate_for("r", "m") == 0.05  # never below the floor
    p.record("r", "m", False)
    assert p.rate_for("r", "m") == 1.0
    p.record("r", "m", None)  # no verdict changes nothing
    assert p.rate_for("r", "m") == 1.0


def test_exploring_calls_are_always_judged():
    p = AuditPolicy(mode="fixed", rate=0.0, min_rate=0.0)
    assert p.should_audit("r", "m", exploring=True)
    assert not p.should_audit("r", "m")


def test_bad_settings_say_what_is_allowed():
    with pytest.raises(ConfigError, match="all, fixed, adaptive"):
        AuditPolicy(mode="sometimes")
    with pytest.raises(ConfigError, match="min_rate <= rate"):
        AuditPolicy(rate=0.1, min_rate=0.5)


def test_settling_rate_falls_with_every_verdict_right_or_wrong_and_survives_a_restore():
    p = AuditPolicy(mode="settling", rate=1.0, min_rate=0.05, half_life=5, seed=0)
    assert p.rate_for("topic_finder", "cheap") == 1.0
    for i in range(10):
        p.record("topic_finder", "cheap", correct=i % 2 == 0)  # a model wrong half the time
    assert p.rate_for("topic_finder", "cheap") == pytest.approx(0.25)  # two half-lives: wrong ones count too
    assert p.rate_for("topic_finder", "dear") == 1.0  # an unseen pair is watched closely
    for _ in range(100):
        p.record("topic_finder", "cheap", correct=False)
    assert p.rate_for("topic_finder", "cheap") == 0.05
    q = AuditPolicy(mode="settling", rate=1.0, min_rate=0.05, half_life=5)
    q.load_state_dict(p.state_dict())
    assert q.rate_for("topic_finder", "cheap") == 0.05
    adaptive = AuditPolicy(mode="adaptive", rate=1.0, min_rate=0.05, half_life=5)
    adaptive.load_state_dict(p.state_dict())
    assert adaptive.rate_for("topic_finder", "cheap") == 1.0  # its last verdict was wrong: back to the full rate
