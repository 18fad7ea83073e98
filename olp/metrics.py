"""Prometheus metrics of olp, all defined here, and the observer that keeps them up to date.

Every metric is created by :func:`create_metrics` from a registry passed in, so tests use a fresh
``CollectorRegistry()`` and two pipelines in one process never clash. Labels are bounded: roles and pool
models, never stream ids or topic names (those grow without bound and would blow up Prometheus).

Usage::

    registry = new_registry()
    observer = PrometheusObserver(registry)
    serve_metrics(registry, port=9100)          # http://127.0.0.1:9100/metrics
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import GCCollector, PlatformCollector, ProcessCollector, start_http_server

from olp.errors import ConfigError
from olp.observer import Observer
from olp.types import CallRecord, TopicDocument

# Model calls range from local engines (milliseconds) to hosted LLMs under load (tens of seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# reward = correctness - k1*cost - k2*latency: mostly in [0, 1]; negative rewards all fall in the le="0" bucket.
# No negative bucket bounds: with one, prometheus_client leaves out ``_sum`` and the mean reward cannot be computed.
REWARD_BUCKETS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


@dataclass(frozen=True)
class OlpMetrics:
    """The metric objects. Names are a contract: the dashboards in deploy/ query them.

    Attributes:
        role_assignment: 1 for the model currently playing a role, 0 for the other pool models.
        assignment_changes: times a role was handed to another model.
        board_verdicts: advisory-board verdicts ("correct" / "wrong") on answers.
        reward: distribution of rewards per role and model.
        reward_last: the most recent reward per role and model.
        model_calls: model calls by outcome ("ok" / "error").
        fallbacks: calls answered by a fallback model, labelled with the model first asked.
        parse_outcomes: answers by how the role's parser took them ("valid" as sent, "repaired", "unparsable",
            "fallback": the role's safe fallback was used, labelled with the model first asked).
        tokens: tokens by direction ("input" / "output").
        cost_usd: money spent on calls.
        call_latency: wall-clock seconds per call, retries included.
        manager_preference: the manager's current preference per model (Q-value or probability).
        documents: topic documents emitted.
        sentences: sentences consumed.
        consumer_lag: messages behind the end of each Kafka partition this worker reads.
        assigned_partitions: transcripts partitions this worker reads now (0 while the group rebalances).
        learning_calls: what Role-RL paid to learn, in calls: ``board`` (judge calls) and ``exploration`` (extra
            model calls run to learn), per role.
        learning_cost_usd: the same in US dollars.
        learner_events: feedback events of the shared learner by outcome (``applied``; ``duplicate``: an event
            id already applied, skipped).
        learner_applied: feedback events the shared learner's state includes (restored from its snapshot).
        learner_offset: the next offset of the feedback topic the shared learner will apply.
    """

    role_assignment: Gauge
    assignment_changes: Counter
    board_verdicts: Counter
    reward: Histogram
    reward_last: Gauge
    model_calls: Counter
    fallbacks: Counter
    parse_outcomes: Counter
    tokens: Counter
    cost_usd: Counter
    call_latency: Histogram
    manager_preference: Gauge
    documents: Counter
    sentences: Counter
    consumer_lag: Gauge
    assigned_partitions: Gauge
    learning_calls: Counter
    learning_cost_usd: Counter
    learner_events: Counter
    learner_applied: Gauge
    learner_offset: Gauge


def create_metrics(registry: CollectorRegistry) -> OlpMetrics:
    """Create every olp metric in ``registry`` (a registry holds them once: pass a fresh one per observer)."""
    rm = ["role", "model"]
    return OlpMetrics(
        role_assignment=Gauge(
            "olp_role_assignment", "1 for the model currently playing the role, 0 for other pool models", rm,
            registry=registry,
        ),
        assignment_changes=Counter(
            "olp_assignment_changes_total", "Times the role was handed to this model", rm, registry=registry
        ),
        board_verdicts=Counter(
            "olp_board_verdicts_total", "Advisory-board verdicts on answers", rm + ["verdict"], registry=registry
        ),
        reward=Histogram("olp_reward", "Reward per answer", rm, buckets=REWARD_BUCKETS, registry=registry),
        reward_last=Gauge("olp_reward_last", "Most recent reward", rm, registry=registry),
        model_calls=Counter("olp_model_calls_total", "Model calls by outcome", rm + ["outcome"], registry=registry),
        fallbacks=Counter(
            "olp_fallbacks_total", "Calls that a fallback model answered, by the model first asked", rm,
            registry=registry,
        ),
        parse_outcomes=Counter(
            "olp_parse_outcomes_total", "Answers by how the role's parser took them (valid, repaired, unparsable, "
            "fallback)", rm + ["outcome"], registry=registry,
        ),
        tokens=Counter("olp_tokens_total", "Tokens by direction", rm + ["direction"], registry=registry),
        cost_usd=Counter("olp_cost_usd_total", "Cost of model calls in US dollars", rm, registry=registry),
        call_latency=Histogram(
            "olp_call_latency_seconds", "Model call latency, retries included", rm, buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        manager_preference=Gauge(
            "olp_manager_preference", "Role manager's preference (Q-value or probability)", rm, registry=registry
        ),
        documents=Counter("olp_documents_total", "Topic documents emitted", registry=registry),
        sentences=Counter("olp_sentences_total", "Sentences consumed", registry=registry),
        consumer_lag=Gauge(
            "olp_consumer_lag", "Messages behind the partition end", ["topic", "partition"], registry=registry
        ),
        assigned_partitions=Gauge(
            "olp_assigned_partitions", "Transcripts partitions this worker reads", registry=registry
        ),
        learning_calls=Counter(
            "olp_learning_calls_total", "Calls Role-RL made to learn: board (judges) or exploration (extra models)",
            ["role", "kind"], registry=registry,
        ),
        learning_cost_usd=Counter(
            "olp_learning_cost_usd_total", "US dollars Role-RL spent to learn: board or exploration",
            ["role", "kind"], registry=registry,
        ),
        learner_events=Counter(
            "olp_learner_feedback_events_total", "Feedback events read by the shared learner, applied or duplicate",
            ["outcome"], registry=registry,
        ),
        learner_applied=Gauge(
            "olp_learner_applied_events", "Feedback events the shared learner's state includes", registry=registry
        ),
        learner_offset=Gauge(
            "olp_learner_feedback_offset", "Next feedback-topic offset the shared learner applies", registry=registry
        ),
    )


def new_registry() -> CollectorRegistry:
    """A fresh registry with the usual process, platform and GC metrics of this process."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


class PrometheusObserver(Observer):
    """Updates the olp metrics from the pipeline's and Role-RL's hooks.

    Args:
        registry: where the metrics are created (default: a fresh registry without process metrics).
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.metrics = create_metrics(self.registry)
        # The models known per role, so that a new assignment also zeroes models seen only in earlier calls.
        self._known: dict[str, set[str]] = {}

    def on_sentence(self, stream: str, count: int = 1) -> None:
        self.metrics.sentences.inc(count)

    def on_call(self, record: CallRecord) -> None:
        m, labels = self.metrics, (record.role, record.model)
        m.model_calls.labels(*labels, "ok" if record.ok else "error").inc()
        if record.fallback_from:
            m.fallbacks.labels(record.role, record.fallback_from).inc()
        m.tokens.labels(*labels, "input").inc(max(record.input_tokens, 0))
        m.tokens.labels(*labels, "output").inc(max(record.output_tokens, 0))
        m.cost_usd.labels(*labels).inc(max(record.cost_usd, 0.0))
        m.call_latency.labels(*labels).observe(max(record.latency_ms, 0.0) / 1000.0)

    def on_parse(self, role: str, model: str, outcome: str) -> None:
        self.metrics.parse_outcomes.labels(role, model, outcome).inc()

    def on_document(self, doc: TopicDocument) -> None:
        self.metrics.documents.inc()

    def on_assignment(self, role: str, model: str, previous: str | None, pool: list[str]) -> None:
        known = self._known.setdefault(role, set())
        known.update(pool)
        known.add(model)
        for other in known:
            self.metrics.role_assignment.labels(role, other).set(1 if other == model else 0)
        if previous is not None and previous != model:
            self.metrics.assignment_changes.labels(role, model).inc()

    def on_verdict(self, role: str, model: str, correct: bool, judge: str) -> None:
        self.metrics.board_verdicts.labels(role, model, "correct" if correct else "wrong").inc()

    def on_reward(self, role: str, model: str, reward: float) -> None:
        self.metrics.reward.labels(role, model).observe(reward)
        self.metrics.reward_last.labels(role, model).set(reward)

    def on_preferences(self, role: str, prefs: dict[str, float]) -> None:
        for model, value in prefs.items():
            self.metrics.manager_preference.labels(role, model).set(value)

    def on_learning_cost(self, role: str, kind: str, calls: int, cost_usd: float) -> None:
        self.metrics.learning_calls.labels(role, kind).inc(calls)
        self.metrics.learning_cost_usd.labels(role, kind).inc(max(cost_usd, 0.0))

    def on_feedback(self, applied: bool, events: int, offset: int) -> None:
        """The shared learner read a feedback event (``applied`` or a duplicate); it now includes ``events``
        events and reads on from ``offset``."""
        self.metrics.learner_events.labels("applied" if applied else "duplicate").inc()
        self.set_learner_position(events, offset)

    def set_learner_position(self, events: int, offset: int) -> None:
        """The shared learner includes ``events`` feedback events and reads on from ``offset``."""
        self.metrics.learner_applied.set(events)
        self.metrics.learner_offset.set(offset)

    def set_consumer_lag(self, topic: str, partition: int, lag: int) -> None:
        """Record how far this worker is behind the end of ``topic``'s ``partition``."""
        self.metrics.consumer_lag.labels(topic, str(partition)).set(max(lag, 0))

    def set_assigned_partitions(self, partitions: list[int]) -> None:
        """Record which transcripts partitions this worker reads; lag of partitions it no longer reads is dropped."""
        self.metrics.assigned_partitions.set(len(partitions))
        keep = {str(p) for p in partitions}
        for labels in list(self.metrics.consumer_lag._metrics):  # no public way to list a metric's children
            if labels[1] not in keep:
                self.metrics.consumer_lag.remove(*labels)


def serve_metrics(registry: CollectorRegistry, port: int, host: str = "127.0.0.1") -> Any:
    """Serve ``registry`` at ``http://HOST:PORT/metrics`` from a daemon thread; returns the HTTP server.

    Binds to 127.0.0.1 unless another host is asked for, so metrics are not published by accident.
    Port 0 picks a free port (read it from ``server.server_port``). Raises ConfigError when the port is taken.
    """
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"metrics port {port} on {host} is already in use; pass another --metrics-port") from None
        raise ConfigError(f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}") from None
    return server
