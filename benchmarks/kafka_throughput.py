#!/usr/bin/env python3
"""End-to-end throughput and time to document through Kafka: N live streams at once, real broker, real
``olp worker`` processes, and a scripted model endpoint of fixed latency (olp's local engine writes its answers,
so the documents are real; only the wait is scripted).

    python benchmarks/kafka_throughput.py --streams 1 4 8 --sentences 200 --rate 10 --latency-ms 200

Starts a broker with scripts/kafka-dev (unless KAFKA_BOOTSTRAP=HOST:PORT names one) and stops it at the end.
Time to document = when the consumer received a document - when the producer sent the document's last sentence.
Throughput = sentences sent / (last document received - first sentence sent).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
REPO = Path(__file__).resolve().parents[1]
# The scripted endpoint and the worker runner are shared with the integration tests.
sys.path.insert(0, str(REPO / "tests" / "integration"))

from fake_llm import ScriptedLLM, pool_yaml  # noqa: E402
from olp_harness import Worker, base_env, free_port, run_script, wait_for  # noqa: E402

CHUNK = 20
IDLE_S = 2.0


async def run_once(broker: str, n_streams: int, n_sentences: int, rate: float, workers: list[Worker],
                   prefix: str) -> dict[str, float]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    from olp.datasets.synthetic import generate
    from olp.stream.kafka import ensure_topics
    from olp.stream.messages import END_VALUE, utterance_value
    from olp.stream.settings import Topics

    topics = Topics(prefix)
    await ensure_topics(broker, topics, 4)
    bootstrap = broker.removeprefix("kafka://")
    sent_at: dict[tuple[str, int], float] = {}
    streams = {f"bench-{i}": generate(n_sentences, "en", seed=100 + i).sentences for i in range(n_streams)}

    consumer = AIOKafkaConsumer(topics.documents, bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False, metadata_max_age_ms=1000)
    await consumer.start()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2)
    await producer.start()

    async def feed(stream: str, sentences: list) -> None:
        start = time.monotonic()
        for k, s in enumerate(sentences):
            delay = start + k / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at[(stream, s.id)] = time.time()
            await producer.send(topics.transcripts, utterance_value(s.text, s.id, sent_at[(stream, s.id)],
                                                                    "ecommerce-en"), key=stream.encode())
        await producer.send(topics.transcripts, END_VALUE, key=stream.encode())

    first_sent = time.time()
    feeders = asyncio.ensure_future(asyncio.gather(*(feed(s, sents) for s, sents in streams.items())))
    # Done when the workers consumed every sentence and acknowledged every message (lag 0: a message is
    # acknowledged only after its documents were delivered), and the consumer then stays idle for a moment.
    total = n_streams * n_sentences
    ttd, seen, last_doc, drained_at, next_check = [], set(), first_sent, None, 0.0
    deadline = time.monotonic() + n_sentences / rate + 600
    while time.monotonic() < deadline:
        now = time.time()
        if drained_at is None and feeders.done() and now >= next_check:
            next_check = now + 0.5
            if sum(w.metric("olp_sentences_total") for w in workers) >= total and sum(
                w.metric("olp_consumer_lag") for w in workers
            ) == 0:
                drained_at = now
        if drained_at is not None and now - max(last_doc, drained_at) > IDLE_S:
            break
        batches = await consumer.getmany(timeout_ms=200)
        now = time.time()
        for msgs in batches.values():
            for m in msgs:
                doc = json.loads(m.value)
                if doc["key"] in seen:
                    continue
                seen.add(doc["key"])
                ttd.append(now - sent_at[(doc["stream"], doc["span"][1])])
                last_doc = now
    await feeders
    await producer.stop()
    await consumer.stop()
    if drained_at is None:
        raise SystemExit("the workers did not finish in time")
    return {
        "streams": n_streams,
        "sentences": total,
        "documents": len(seen),
        "seconds": last_doc - first_sent,
        "throughput": total / (last_doc - first_sent),
        "ttd_p50": statistics.median(ttd),
        "ttd_p90": statistics.quantiles(ttd, n=10)[-1] if len(ttd) >= 2 else ttd[0],
        "ttd_max": max(ttd),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--streams", type=int, nargs="+", default=[1, 4, 8], help="concurrent streams per run")
    ap.add_argument("--sentences", type=int, default=200, help="sentences per stream")
    ap.add_argument("--rate", type=float, default=10.0, help="sentences per second per stream")
    ap.add_argument("--latency-ms", type=float, default=200.0, help="scripted model latency per call")
    ap.add_argument("--workers", type=int, default=1, help="olp worker processes")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="olp-bench-kafka-"))
    kafka_env = base_env(OLP_KAFKA_PORT=str(free_port(pair=True)), OLP_KAFKA_DIR=str(tmp / "kafka"))
    external = os.environ.get("KAFKA_BOOTSTRAP")
    broker = f"kafka://{external or run_script([str(REPO / 'scripts/kafka-dev'), 'start'], kafka_env, 600)}"
    llm = ScriptedLLM(latency_s=args.latency_ms / 1000).start()
    pool = tmp / "pool.yaml"
    pool.write_text(pool_yaml({"scripted": llm.url}, timeout_s=30))
    rows = []
    try:
        for n in args.streams:
            prefix = f"bench{uuid.uuid4().hex[:6]}-"
            workers = [Worker(broker, prefix, tmp / f"worker-{n}-{i}.log", None, "--pool", str(pool)).start()
                       for i in range(args.workers)]
            try:
                wait_for(lambda: sum(w.partitions() for w in workers) >= 4, 120, "the workers to join")
                rows.append(asyncio.run(run_once(broker, n, args.sentences, args.rate, workers, prefix)))
            finally:
                for w in workers:
                    w.stop()
            print(json.dumps(rows[-1]), file=sys.stderr)
    finally:
        llm.stop()
        if not external:
            subprocess.run([str(REPO / "scripts/kafka-dev"), "stop"], env=kafka_env, capture_output=True)

    print(f"\nscripted model latency {args.latency_ms:.0f} ms/call, {args.rate:g} sentences/s per stream, "
          f"{args.sentences} sentences per stream, chunk {CHUNK}, {args.workers} worker(s), {os.cpu_count()} cores\n")
    print("| streams | sentences | documents | wall s | sentences/s | time to document p50 s | p90 s | max s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['streams']} | {r['sentences']} | {r['documents']} | {r['seconds']:.1f} | {r['throughput']:.1f} "
              f"| {r['ttd_p50']:.2f} | {r['ttd_p90']:.2f} | {r['ttd_max']:.2f} |")


if __name__ == "__main__":
    main()
