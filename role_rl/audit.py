"""How often the advisory board judges a role's answer: every call, a fixed share, or a share that adapts.

The adaptive policy judges a (role, model) pair at ``rate`` while it is unproven and halves the rate every
``half_life`` consecutive right verdicts, down to ``min_rate``; a wrong verdict brings it back to ``rate``. So
the board looks closely at a role while it is uncertain (new model, recent mistakes) and rarely once it has
settled, and the board's cost falls with it. A call that runs extra models for learning is always judged:
exploring without a verdict would learn nothing.

The settling policy judges a pair at ``rate`` while it is new and halves the rate every ``half_life`` verdicts on
it, right or wrong, down to ``min_rate``: how much the learner has seen sets how closely a pair is watched, not
whether the model is good (a wrong answer from a model known to be wrong half the time is no news). A learner
shared by many streams sees each pair's verdicts from all of them, so its board cost per stream falls as
streams are added; under ``adaptive`` a cheap, often-wrong model keeps its pair at the full rate for ever.

A settled pair is still spot-checked, but its floor is a number of checks per unit of time, not a share of
calls: about one every ``spot_every_s`` seconds, however many streams call it, and never more than ``min_rate``
of its calls. The policy estimates each pair's call rate on its own clock (an exponentially weighted rate of
the calls it is asked about, over ``spot_every_s``), and the floor is ``min(min_rate, 1 / (rate *
spot_every_s))``. A quiet pair (one stream, a few calls a minute) keeps ``min_rate``; a pair a hundred streams
call is judged about as often per minute as with one, so the board's spot checks stop growing with the number
of streams. The rate is of the calls this policy sees: a worker's, over all its streams (with W workers the
deployment judges a settled pair about W times per interval).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from olp.errors import ConfigError

MODES = ("all", "fixed", "adaptive", "settling")


@dataclass
class AuditPolicy:
    """Decides which calls the board judges.

    Attributes:
        mode: ``all`` (every call), ``fixed`` (a ``rate`` share at random), ``adaptive`` or ``settling``.
        rate: the share judged in ``fixed`` mode, and the highest share in ``adaptive`` and ``settling`` modes.
        min_rate: the lowest share in ``adaptive`` mode, and the highest floor of a settled pair in ``settling``
            mode (a settled role is still spot-checked).
        half_life: right verdicts in a row that halve the adaptive share; verdicts that halve the settling share.
        spot_every_s: ``settling`` mode: a settled pair is judged about once per this many seconds, however many
            calls it gets (but at most ``min_rate`` of them); 0 keeps the floor at ``min_rate`` of the calls.
        seed: seeds the random draws.
        clock: seconds, for the call rates (default: the running event loop's ``time()``, else
            ``time.monotonic()``); a benchmark on a virtual or scaled clock passes its own.
    """

    mode: str = "adaptive"
    rate: float = 1.0
    min_rate: float = 0.05
    half_life: float = 5.0
    spot_every_s: float = 60.0
    seed: int | None = None
    clock: Callable[[], float] | None = field(default=None, repr=False, compare=False)
    streak: dict[str, int] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # verdicts per (role, model), for the settling mode
    # calls per second per (role, model), as of ``_at`` on this policy's clock (settling mode)
    calls_per_s: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"audit mode {self.mode!r} is unknown; choose one of: {', '.join(MODES)}")
        if not (0.0 <= self.min_rate <= self.rate <= 1.0):
            raise ConfigError("audit rates must satisfy 0 <= min_rate <= rate <= 1")
        if self.half_life <= 0:
            raise ConfigError("audit half_life must be positive")
        if self.spot_every_s < 0:
            raise ConfigError("audit spot_every_s must be at least 0 (0: the floor is min_rate of the calls)")
        self._rng = np.random.default_rng(self.seed)
        self._at: dict[str, float] = {}  # when each rate was last brought up to date, on this process's clock

    def rate_for(self, role: str, model: str) -> float:
        """The share of calls of ``model`` in ``role`` that the board judges now."""
        if self.mode == "all":
            return 1.0
        if self.mode == "fixed":
            return self.rate
        key = _key(role, model)
        if self.mode == "adaptive":
            return max(self.min_rate, self.rate * 0.5 ** (self.streak.get(key, 0) / self.half_life))
        return max(self.floor_for(role, model), self.rate * 0.5 ** (self.seen.get(key, 0) / self.half_life))

    def floor_for(self, role: str, model: str) -> float:
        """``settling`` mode: the lowest share of the pair's calls judged now: ``min_rate``, or less when the pair
        is called so often that ``min_rate`` would judge it more than once per ``spot_every_s``."""
        calls = self.calls_per_minute(role, model) * self.spot_every_s / 60.0  # the pair's calls per interval
        return min(self.min_rate, 1.0 / calls) if calls > 0 else self.min_rate

    def calls_per_minute(self, role: str, model: str) -> float:
        """The pair's estimated call rate now (``settling`` mode; the calls this policy was asked about)."""
        key = _key(role, model)
        return 60.0 * self._decayed(key, self._now()) if key in self.calls_per_s else 0.0

    def should_audit(self, role: str, model: str, exploring: bool = False) -> bool:
        """Whether to judge this call (always when it runs extra models for learning)."""
        if self.mode == "settling":
            self._count_call(_key(role, model))
        if exploring or self.mode == "all":
            return True
        return bool(self._rng.random() < self.rate_for(role, model))

    # An exponentially weighted rate over a window of spot_every_s: each call adds 1/window, and the sum decays by
    # e^(-dt/window); its mean is the call rate. Rates, not timestamps, are what a snapshot keeps: another process's
    # clock means nothing here, so a restored rate is re-anchored at this process's clock on its next use.
    def _count_call(self, key: str) -> None:
        if self.spot_every_s <= 0:
            return
        now = self._now()
        self.calls_per_s[key] = self._decayed(key, now) + 1.0 / self.spot_every_s
        self._at[key] = now

    def _decayed(self, key: str, now: float) -> float:
        rate = self.calls_per_s.get(key, 0.0)
        at = self._at.setdefault(key, now)  # first use since a restore: the snapshot's rate holds from here
        if now > at and self.spot_every_s > 0:
            rate *= math.exp(-(now - at) / self.spot_every_s)
        return rate

    def _now(self) -> float:
        if self.clock is not None:
            return self.clock()
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            return time.monotonic()

    def record(self, role: str, model: str, correct: bool | None) -> None:
        """A verdict on ``model`` in ``role``: a right one lengthens its streak, a wrong one resets it."""
        if correct is None:
            return
        key = _key(role, model)
        self.streak[key] = self.streak.get(key, 0) + 1 if correct else 0
        self.seen[key] = self.seen.get(key, 0) + 1

    def state_dict(self) -> dict[str, Any]:
        now = self._now()  # the rates as of now: the snapshot holds no clock reading
        rates = {k: self._decayed(k, now) for k in self.calls_per_s}
        return {"streak": dict(self.streak), "seen": dict(self.seen), "calls_per_s": rates,
                "rng": self._rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.streak = {k: int(v) for k, v in state.get("streak", {}).items()}
        self.seen = {k: int(v) for k, v in state.get("seen", {}).items()}
        self.calls_per_s = {k: float(v) for k, v in state.get("calls_per_s", {}).items()}
        self._at = {}  # re-anchored on first use (a stop's downtime does not decay the rates)
        if "rng" in state:
            self._rng.bit_generator.state = state["rng"]


def _key(role: str, model: str) -> str:
    return f"{role}\t{model}"
