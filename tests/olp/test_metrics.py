"""The Prometheus metrics: what a dashboard reading /metrics would see after the pipeline's hooks fire."""

from __future__ import annotations

import socket
import urllib.request

import pytest
from prometheus_client import CollectorRegistry

from olp.errors import ConfigError
from olp.metrics import PrometheusObserver, new_registry, serve_metrics
from olp.observer import Observers
from olp.types import CallRecord, TopicDocument


@pytest.fixture
def obs() -> PrometheusObserver:
    return PrometheusObserver(CollectorRegistry())


def value(obs: PrometheusObserver, name: str, **labels: str) -> float | None:
    return obs.registry.get_sample_value(name, labels)


def test_assignment_gauge_marks_only_the_current_model(obs):
    obs.on_assignment("topic_finder", "engine/a", None, ["engine/a", "engine/b", "engine/c"])
    assert value(obs, "olp_role_assignment", role="topic_finder", model="engine/a") == 1
    assert value(obs, "olp_role_assignment", role="topic_finder", model="engine/b") == 0
    # the first assignment is not a change
    assert value(obs, "olp_assignment_changes_total", role="topic_finder", model="engine/a") is None

    obs.on_assignment("topic_finder", "engine/c", "engine/a", ["engine/a", "engine/b", "engine/c"])
    assert value(obs, "olp_role_assignment", role="topic_finder", model="engine/a") == 0
    assert value(obs, "olp_role_assignment", role="topic_finder", model="engine/c") == 1
    assert value(obs, "olp_assignment_changes_total", role="topic_finder", model="engine/c") == 1


def test_assignment_of_a_model_outside_the_listed_pool_still_zeroes_the_old_one(obs):
    obs.on_assignment("topic_locator", "m1", None, [])
    obs.on_assignment("topic_locator", "m2", "m1", [])
    assert value(obs, "olp_role_assignment", role="topic_locator", model="m1") == 0
    assert value(obs, "olp_role_assignment", role="topic_locator", model="m2") == 1


def test_calls_count_tokens_cost_latency_and_failures(obs):
    ok = CallRecord(role="topic_finder", model="m", input_tokens=120, output_tokens=30, cost_usd=0.002, latency_ms=250)
    failed = CallRecord(role="topic_finder", model="m", ok=False, error="timeout", latency_ms=3000)
    obs.on_call(ok)
    obs.on_call(ok)
    obs.on_call(failed)
    rm = {"role": "topic_finder", "model": "m"}
    assert value(obs, "olp_model_calls_total", outcome="ok", **rm) == 2
    assert value(obs, "olp_model_calls_total", outcome="error", **rm) == 1
    assert value(obs, "olp_tokens_total", direction="input", **rm) == 240
    assert value(obs, "olp_tokens_total", direction="output", **rm) == 60
    assert value(obs, "olp_cost_usd_total", **rm) == pytest.approx(0.004)
    assert value(obs, "olp_call_latency_seconds_count", **rm) == 3
    assert value(obs, "olp_call_latency_seconds_sum", **rm) == pytest.approx(3.5)
    assert value(obs, "olp_call_latency_seconds_bucket", le="0.25", **rm) == 2


def test_fallback_is_counted_against_the_model_first_asked(obs):
    obs.on_call(CallRecord(role="content_organizer", model="backup", fallback_from="flaky", attempts=3))
    assert value(obs, "olp_fallbacks_total", role="content_organizer", model="flaky") == 1
    assert value(obs, "olp_model_calls_total", role="content_organizer", model="backup", outcome="ok") == 1


def test_verdicts_rewards_and_preferences(obs):
    obs.on_verdict("format_checker", "m", True, "judge-1")
    obs.on_verdict("format_checker", "m", False, "judge-2")
    obs.on_verdict("format_checker", "m", True, "judge-1")
    obs.on_reward("format_checker", "m", 0.9)
    obs.on_reward("format_checker", "m", -0.2)
    obs.on_preferences("format_checker", {"m": 0.7, "n": 0.3})
    rm = {"role": "format_checker", "model": "m"}
    assert value(obs, "olp_board_verdicts_total", verdict="correct", **rm) == 2
    assert value(obs, "olp_board_verdicts_total", verdict="wrong", **rm) == 1
    assert value(obs, "olp_reward_count", **rm) == 2
    # the mean reward (sum / count) must stay computable when rewards go negative
    assert value(obs, "olp_reward_sum", **rm) == pytest.approx(0.7)
    assert value(obs, "olp_reward_bucket", le="0.0", **rm) == 1
    assert value(obs, "olp_reward_last", **rm) == -0.2
    assert value(obs, "olp_manager_preference", role="format_checker", model="n") == 0.3


def test_documents_sentences_and_lag(obs):
    doc = TopicDocument("s1", 0, "t", (0, 3), {}, {}, 0.0, 0.0)
    obs.on_sentence("s1", 5)
    obs.on_sentence("s2")
    obs.on_document(doc)
    obs.set_consumer_lag("transcripts", 2, 17)
    assert value(obs, "olp_sentences_total") == 6
    assert value(obs, "olp_documents_total") == 1
    assert value(obs, "olp_consumer_lag", topic="transcripts", partition="2") == 17


def test_observer_works_behind_the_fan_out(obs):
    Observers(obs).on_sentence("s", 3)
    assert value(obs, "olp_sentences_total") == 3


def test_two_observers_on_fresh_registries_do_not_clash():
    a, b = PrometheusObserver(CollectorRegistry()), PrometheusObserver(CollectorRegistry())
    a.on_sentence("s", 2)
    assert value(b, "olp_sentences_total") == 0


def test_serve_metrics_exposes_the_registry_on_loopback():
    registry = new_registry()
    obs = PrometheusObserver(registry)
    obs.on_assignment("topic_finder", "engine/a", None, ["engine/a"])
    server = serve_metrics(registry, port=0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert 'olp_role_assignment{model="engine/a",role="topic_finder"} 1.0' in body
    assert "process_cpu_seconds_total" in body


def test_serve_metrics_on_a_taken_port_says_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"metrics port {port} on 127.0.0.1 is already in use"):
            serve_metrics(CollectorRegistry(), port=port)


def test_assigned_partitions_and_lag_of_partitions_no_longer_read(obs):
    obs.set_assigned_partitions([0, 1])
    obs.set_consumer_lag("transcripts", 0, 5)
    obs.set_consumer_lag("transcripts", 1, 7)
    obs.set_assigned_partitions([1])  # partition 0 moved to another worker
    assert value(obs, "olp_assigned_partitions") == 1
    assert value(obs, "olp_consumer_lag", topic="transcripts", partition="0") is None
    assert value(obs, "olp_consumer_lag", topic="transcripts", partition="1") == 7
