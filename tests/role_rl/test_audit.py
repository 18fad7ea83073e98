"""Audit sampling: every call, a fixed share, or a share that falls as a role settles."""

import asyncio
import math
import time

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
    with pytest.raises(ConfigError, match="spot_every_s must be at least 0"):
        AuditPolicy(mode="settling", spot_every_s=-1)


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


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def settled(clock, spot_every_s=60.0):
    p = AuditPolicy(mode="settling", rate=1.0, min_rate=0.05, half_life=5, spot_every_s=spot_every_s, seed=3,
                    clock=clock)
    for _ in range(200):  # far past its half-lives: only the floor is left
        p.record("topic_finder", "cheap", correct=True)
    return p


def run_calls(p, clock, per_minute, minutes):
    """Calls of the pair at a steady rate; the number judged."""
    judged, step = 0, 60.0 / per_minute
    for _ in range(int(per_minute * minutes)):
        clock.now += step
        judged += p.should_audit("topic_finder", "cheap")
    return judged


def test_a_busy_settled_pair_is_spot_checked_about_once_a_minute_not_at_min_rate():
    clock = Clock()
    p = settled(clock)
    judged = run_calls(p, clock, per_minute=1000, minutes=30)  # a hundred streams' worth of calls
    assert p.calls_per_minute("topic_finder", "cheap") == pytest.approx(1000, rel=0.05)
    assert p.rate_for("topic_finder", "cheap") == pytest.approx(0.001, rel=0.05)  # 1/50 of min_rate
    assert 20 <= judged <= 45  # about one check a minute, where min_rate would have judged 1,500


def test_a_quiet_settled_pair_keeps_min_rate():
    clock = Clock()
    p = settled(clock)
    judged = run_calls(p, clock, per_minute=6, minutes=200)  # one stream: a few calls a minute
    assert p.rate_for("topic_finder", "cheap") == 0.05
    assert 30 <= judged <= 90  # 5% of 1,200 calls
    assert settled(clock, spot_every_s=0).rate_for("topic_finder", "cheap") == 0.05  # 0: a share of calls only


def test_the_floor_rises_again_when_the_traffic_falls():
    clock = Clock()
    p = settled(clock)
    run_calls(p, clock, per_minute=1000, minutes=5)
    assert p.rate_for("topic_finder", "cheap") < 0.002
    clock.now += 600  # ten quiet minutes: the estimate decays
    assert p.rate_for("topic_finder", "cheap") == 0.05


def test_an_unsettled_pair_is_judged_at_its_decayed_rate_however_busy():
    clock = Clock()
    p = AuditPolicy(mode="settling", rate=1.0, min_rate=0.05, half_life=5, seed=0, clock=clock)
    run_calls(p, clock, per_minute=1000, minutes=1)
    assert p.rate_for("topic_finder", "cheap") == 1.0  # no verdicts yet: the full rate, busy or not


def test_a_restore_keeps_the_call_rate_estimate_on_another_clock():
    clock = Clock()
    p = settled(clock)
    run_calls(p, clock, per_minute=1000, minutes=5)
    later = Clock()
    later.now = 12.0  # a restarted process: its clock has nothing to do with the first one's
    q = AuditPolicy(mode="settling", rate=1.0, min_rate=0.05, half_life=5, clock=later)
    q.load_state_dict(p.state_dict())
    assert q.calls_per_minute("topic_finder", "cheap") == pytest.approx(
        p.calls_per_minute("topic_finder", "cheap"))
    assert q.rate_for("topic_finder", "cheap") == pytest.approx(p.rate_for("topic_finder", "cheap"))
    later.now += 60.0  # from here it decays on the new clock
    assert q.calls_per_minute("topic_finder", "cheap") == pytest.approx(
        p.calls_per_minute("topic_finder", "cheap") / math.e)


class _LaterLoop(asyncio.SelectorEventLoop):
    def time(self) -> float:
        return super().time() + 1e6  # far from time.monotonic(): which clock was read shows


def test_the_clock_is_the_running_loops_else_monotonic():
    async def inside() -> tuple[float, float]:
        p = settled(None)
        p.should_audit("topic_finder", "cheap")
        return p._at["topic_finder\tcheap"], asyncio.get_running_loop().time()

    with asyncio.Runner(loop_factory=_LaterLoop) as runner:
        at, now = runner.run(inside())
    assert at == pytest.approx(now, abs=1.0)
    p = settled(None)
    p.should_audit("topic_finder", "cheap")
    assert p._at["topic_finder\tcheap"] == pytest.approx(time.monotonic(), abs=1.0)
