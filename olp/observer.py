"""Hooks that the pipeline and Role-RL call as work happens. Metrics, progress display and event logs implement them.

Every hook has a no-op default, so an observer overrides only what it needs. ``Observers`` fans out to many.
"""

from __future__ import annotations

from typing import Any

from olp.types import CallRecord, TopicDocument


class Observer:
    """Base observer: every hook does nothing."""

    def on_sentence(self, stream: str, count: int = 1) -> None:
        """``count`` sentences of ``stream`` were read."""

    def on_call(self, record: CallRecord) -> None:
        """A model call finished (ok or failed)."""

    def on_parse(self, role: str, model: str, outcome: str) -> None:
        """How ``model``'s answer for ``role`` fared: valid, repaired, unparsable or fallback (``olp.structured``)."""

    def on_document(self, doc: TopicDocument) -> None:
        """A topic document left the pipeline."""

    def on_assignment(self, role: str, model: str, previous: str | None, pool: list[str]) -> None:
        """The model playing ``role`` changed from ``previous`` (None at start) to ``model``."""

    def on_verdict(self, role: str, model: str, correct: bool, judge: str) -> None:
        """The advisory board judged an answer."""

    def on_reward(self, role: str, model: str, reward: float) -> None:
        """A reward was computed for an answer."""

    def on_preferences(self, role: str, prefs: dict[str, float]) -> None:
        """The manager's current preference per model for ``role`` (Q-values, or probabilities)."""

    def on_learning_cost(self, role: str, kind: str, calls: int, cost_usd: float) -> None:
        """Role-RL paid for learning in ``role``: ``kind`` is ``board`` (judge calls) or ``exploration`` (extra
        model calls run to learn)."""

    def on_event(self, event: dict[str, Any]) -> None:
        """Any other structured event (logged as JSON by the CLI)."""


class Observers(Observer):
    """Calls every hook on each of several observers."""

    def __init__(self, *observers: Observer) -> None:
        self.observers = [o for o in observers if o is not None]

    def add(self, observer: Observer) -> None:
        self.observers.append(observer)

    def __getattribute__(self, name: str):  # fan every on_* hook out
        if name.startswith("on_"):
            targets = object.__getattribute__(self, "observers")

            def fan_out(*args: Any, **kwargs: Any) -> None:
                for o in targets:
                    getattr(o, name)(*args, **kwargs)

            return fan_out
        return object.__getattribute__(self, name)
