"""Session fixtures for the integration tests: the real Kafka broker (``scripts/kafka-dev``) and the real
Prometheus server (``scripts/prometheus-dev``), and workers run as the user runs them (subprocesses).

Set ``KAFKA_BOOTSTRAP=HOST:PORT`` to use a broker that already runs instead of starting one.
Every test gets its own topic prefix (``OLP_TOPIC_PREFIX``), so tests never see each other's messages.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from olp_harness import REPO, Worker, base_env, free_port, run_script, wait_for


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> Iterator[str]:
    """``kafka://HOST:PORT`` of the broker: $KAFKA_BOOTSTRAP, or a fresh one from scripts/kafka-dev."""
    if os.environ.get("KAFKA_BOOTSTRAP"):
        yield "kafka://" + os.environ["KAFKA_BOOTSTRAP"].removeprefix("kafka://")
        return
    env = base_env(OLP_KAFKA_PORT=str(free_port(pair=True)), OLP_KAFKA_DIR=str(tmp_path_factory.mktemp("kafka")))
    # The first run fetches the jars from Maven Central (cached in ~/.cache/olp); later starts take seconds.
    address = run_script([str(REPO / "scripts/kafka-dev"), "start"], env, timeout=600)
    try:
        yield f"kafka://{address}"
    finally:
        subprocess.run([str(REPO / "scripts/kafka-dev"), "stop"], cwd=REPO, env=env, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def shared_metrics_port() -> int:
    """The metrics port of the shared worker, which Prometheus scrapes."""
    return free_port()


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory, shared_metrics_port) -> Iterator[str]:
    """URL of Debian's Prometheus (scripts/prometheus-dev) scraping the shared worker every second."""
    if subprocess.run(["sh", "-c", "command -v prometheus"], capture_output=True).returncode != 0:
        pytest.fail("prometheus is not installed: run scripts/setup --services")
    env = base_env(
        OLP_PROMETHEUS_PORT=str(free_port()),
        OLP_PROMETHEUS_DIR=str(tmp_path_factory.mktemp("prometheus")),
        OLP_SCRAPE_INTERVAL="1s",
    )
    url = run_script([str(REPO / "scripts/prometheus-dev"), "start", f"127.0.0.1:{shared_metrics_port}"], env, 60)
    try:
        yield url
    finally:
        subprocess.run([str(REPO / "scripts/prometheus-dev"), "stop"], cwd=REPO, env=env, capture_output=True,
                       timeout=60)


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}-"


@pytest.fixture
def start_worker(broker, tmp_path) -> Iterator[Callable[..., Worker]]:
    """Start workers for this test (all stopped at its end)."""
    started: list[Worker] = []

    def start(prefix: str, *args: str, metrics_port: int | None = None, wait_partitions: int | None = 4) -> Worker:
        w = Worker(broker, prefix, tmp_path / f"worker-{len(started)}.log", metrics_port, *args).start()
        started.append(w)
        if wait_partitions:
            wait_for(lambda: not w.alive() or w.partitions() >= wait_partitions, 90, "the worker to join",
                     on_fail=w.log)
            assert w.alive(), w.log()
        return w

    yield start
    for w in started:
        w.stop()


@pytest.fixture(scope="session")
def shared(broker, shared_metrics_port, tmp_path_factory) -> Iterator[tuple[str, Worker]]:
    """One worker for tests that only need a running worker: ``(topic prefix, worker)``."""
    prefix = f"shared{uuid.uuid4().hex[:6]}-"
    w = Worker(broker, prefix, tmp_path_factory.mktemp("shared") / "worker.log", shared_metrics_port).start()
    wait_for(lambda: not w.alive() or w.partitions() >= 4, 90, "the shared worker to join", on_fail=w.log)
    assert w.alive(), w.log()
    yield prefix, w
    w.stop()
