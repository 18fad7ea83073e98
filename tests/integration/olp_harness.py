"""Helpers of the integration tests: run ``olp worker`` / ``olp produce`` as the user does (subprocesses), read
topics, and compute what the documents must be. Fixtures that use them are in conftest.py."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHUNK = 20  # small chunks: documents come out after a few dozen sentences
SESSION_TIMEOUT_S = 6  # a killed worker's partitions move after this long (the broker's usual minimum)


def free_port(pair: bool = False) -> int:
    """A free port on 127.0.0.1 (with ``pair``, the next port is free too: Kafka's controller uses it)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port pair on 127.0.0.1")


def base_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def run_script(args: list[str], env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


class Worker:
    """``python -m olp worker`` in a subprocess, with its metrics on a port of its own."""

    def __init__(self, broker: str, prefix: str, log: Path, metrics_port: int | None = None, *args: str) -> None:
        self.broker, self.prefix, self.log_path = broker, prefix, log
        self.metrics_port = metrics_port or free_port()
        self.args = args
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        cmd = [sys.executable, "-m", "olp", "worker", "--broker", self.broker, "--chunk-size", str(CHUNK),
               "--metrics-port", str(self.metrics_port), "--session-timeout", str(SESSION_TIMEOUT_S), *self.args]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=base_env(OLP_TOPIC_PREFIX=self.prefix),
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def metrics(self) -> dict[tuple[str, tuple], float]:
        """The worker's metrics as {(name, sorted labels): value}; empty while it is not serving."""
        from prometheus_client.parser import text_string_to_metric_families

        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).read().decode()
        except OSError:
            return {}
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text)
            for s in fam.samples
        }

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` that have ``labels``."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.metrics().items() if n == name and want <= set(ls))

    def partitions(self) -> int:
        return int(self.metric("olp_assigned_partitions"))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM (a clean leave of the group), then SIGKILL if it does not exit in time."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None
        finally:
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.25, on_fail=None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    extra = f"\n{on_fail()}" if on_fail else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{extra}")


def write_transcript(path: Path, n: int, seed: int) -> list:
    """A seeded synthetic live-commerce transcript of ``n`` sentences, as JSONL (ids included)."""
    from olp.datasets.synthetic import generate

    sentences = generate(n, "en", seed).sentences
    path.write_text("".join(json.dumps({"id": s.id, "text": s.text}) + "\n" for s in sentences), encoding="utf-8")
    return sentences


def produce(broker: str, prefix: str, path: Path, stream: str, rate: float | None = None,
            *extra: str) -> subprocess.Popen:
    """``olp produce PATH --stream-id STREAM`` in the background."""
    cmd = [sys.executable, "-m", "olp", "produce", str(path), "--stream-id", stream, "--broker", broker, "--quiet",
           *extra]
    if rate:
        cmd += ["--rate", str(rate)]
    return subprocess.Popen(cmd, cwd=REPO, env=base_env(OLP_TOPIC_PREFIX=prefix), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def send_raw(broker: str, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    """Send messages exactly as given (for malformed input)."""
    from aiokafka import AIOKafkaProducer

    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=broker.removeprefix("kafka://"))
        await producer.start()
        try:
            for key, value in messages:
                await producer.send_and_wait(topic, value=value, key=key)
        finally:
            await producer.stop()

    asyncio.run(go())


def read_topic(broker: str, topic: str, until: Callable[[list], bool], timeout: float,
               key: bytes | None = None) -> list[tuple[bytes | None, Any]]:
    """Every message of ``topic`` (JSON values, in arrival order), read until ``until(messages)`` or timeout."""
    from aiokafka import AIOKafkaConsumer

    async def go() -> list:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker.removeprefix("kafka://"), group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    isolation_level="read_committed", metadata_max_age_ms=1000)
        await consumer.start()
        got: list = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not until(got):
                batches = await consumer.getmany(timeout_ms=250)
                for _tp, msgs in sorted(batches.items(), key=lambda kv: kv[0].partition):
                    got += [(m.key, json.loads(m.value)) for m in msgs if key is None or m.key == key]
        finally:
            await consumer.stop()
        return got

    return asyncio.run(go())


def documents_of(broker: str, prefix: str, stream: str, expected: int, timeout: float) -> list[dict]:
    """The stream's documents in arrival order, duplicates included, once ``expected`` distinct keys arrived."""
    got = read_topic(broker, f"{prefix}olp-documents",
                     lambda msgs: len({d["key"] for _k, d in msgs}) >= expected, timeout, key=stream.encode())
    return [d for _k, d in got]


def dedup(docs: list[dict]) -> list[dict]:
    seen, out = set(), []
    for d in docs:
        if d["key"] not in seen:
            seen.add(d["key"])
            out.append(d)
    return out


def reference(sentences: list, stream: str, profile: str = "ecommerce-en") -> list[dict]:
    """What ``olp run`` makes of the transcript (same profile, chunk size and engines as the workers)."""
    from olp.pipeline import build_pipeline
    from olp.settings import PipelineSettings

    async def go() -> list[dict]:
        pipe = build_pipeline(stream, profile, None, PipelineSettings(chunk_size=CHUNK, max_carry=CHUNK // 2))
        docs = []
        for s in sentences:
            docs += await pipe.feed(s)
        docs += await pipe.flush()
        return [d.to_dict() for d in docs]

    return asyncio.run(go())


def essence(doc: dict) -> tuple:
    """What must match between runs: the key, the span, and which sentence went to which aspect."""
    return doc["key"], tuple(doc["span"]), tuple((a, tuple(i["id"] for i in items)) for a, items in
                                                 sorted(doc["aspects"].items()))


def differences(got: list[dict], want: list[dict]) -> str:
    """'' when the documents match by essence; else the first difference, with the models that wrote it."""
    g, w = [essence(d) for d in got], [essence(d) for d in want]
    if g == w:
        return ""
    for i, (a, b) in enumerate(zip(g, w)):
        if a != b:
            return f"document {i} differs:\n got  {a} models={got[i].get('models')}\n want {b}"
    return f"{len(g)} documents, want {len(w)}: got spans {[d['span'] for d in got]}, want {[d['span'] for d in want]}"
