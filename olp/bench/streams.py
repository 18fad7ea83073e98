"""``olp bench streams``: how many live streams one worker process keeps up with on one core (issue 13).

What is measured: ``olp worker``'s processing without Kafka, in a child process pinned to one core
(``os.sched_setaffinity``). Each message goes the worker's way: its JSON value is parsed
(``olp.stream.messages``), the worker's ``OrderedDispatcher`` runs it (one queue per stream, acknowledgements in
offset order over 4 partitions, in-flight limit), ``StreamProcessor.handle`` applies it to the stream's pipeline,
documents are encoded for the documents topic and the stream's snapshots for its changelog
(``olp.stream.processor.encode_state``, whose bytes are counted). Not measured: Kafka's client and broker.

N streams each send ``--rate`` sentences per second (synthetic live commerce, English), spread evenly in time. Each
stream starts from a warmed-up state (a template stream run through one to three chunks, at one of 64 positions in
its chunk cycle), so the window sees the steady state and not everyone's first chunk at once. A trial measures
``--duration`` seconds (Role-RL: twice that) after a lead-in (2 s; HTTP: plus 6 model latencies, with Role-RL 12)
and samples the backlog (sentences arrived and not yet processed) every 0.2 s. The worker *keeps up* with N when the
backlog does not grow: its mean over the last third of the window exceeds its mean over the middle third by less
than 5% of the sentences that arrived meanwhile (chunks come in bursts, and with slow models each stream holds the
sentences that arrive while its chunk is in flight: that backlog is steady, not growing), and the time-to-document
p95 stays under ``--ttd-bound`` (default: the time a chunk takes to fill at the rate, plus 10 s).

Per configuration (pool × gateway path × Role-RL) the trials run in one child process (``search``): a
calibration trial measures CPU per sentence, the next runs at the capacity that implies, then up by 15% while
the worker keeps up and halfway back when it does not. Reported: the largest N that kept up, CPU per sentence
and per model call, changelog bytes per sentence, and the wall time of each chunk over the critical path of its
model calls (the longest chain of calls that ran one after another).

Pools: ``local``: every role played by ``local-fast`` in process (Role-RL: the default pool, ``local-fast`` and
``local-quality``, judged by ``local-quality``). ``http``: scripted OpenAI-compatible models on 127.0.0.1 with a
fixed latency (``olp.bench.httppool``, another process, pinned to the other cores), every role played by
``http-fast`` (Role-RL: ``http-fast`` and ``http-quality``, judged by ``http-quality``; both answer with the
fast engine and differ in price). The ``new`` path is the current worker; ``old`` is the worker before issue 13:
``Gateway(legacy=True)`` (everything through litellm) and the stream's whole state written after every sentence
in faust's JSON codec (``StreamProcessor(every_message=True)``), with Python's default garbage collector (the
worker now runs ``olp.stream.app.tune_gc``).

On a shared machine the pinned core also runs other processes; the worker raises its priority for the trial
(``--nice``, see ``_take_core``) and every trial reports the share of the core it got (``cpu_share``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

PARTITIONS = 4  # the worker's default
TEMPLATES = 64
GROWTH = 0.05  # keeping up: from the middle to the last third of the window the mean backlog grows by less than
GROWTH_FLOOR = 5.0  # this share of the sentences that arrived meanwhile, or than this many sentences


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pools", default="local,http", help="comma-separated: local, http (default both)")
    p.add_argument("--paths", default="new,old", help="gateway paths to measure side by side (default new,old)")
    p.add_argument("--rl", default="new", help="gateway paths also measured with Role-RL (bandit); '' for none")
    p.add_argument("--rate", type=float, default=2.0, help="sentences per second per stream (default 2)")
    p.add_argument("--duration", type=float, default=8.0,
                   help="measured seconds per trial (default 8; Role-RL twice that), after a lead-in of 2 s (http: "
                        "plus 6 latencies, Role-RL 12)")
    p.add_argument("--latency", type=float, default=0.5, help="seconds per answer of the HTTP models (default 0.5)")
    p.add_argument("--ttd-bound", type=float, help="time-to-document p95 bound in seconds (default chunk fill + 10)")
    p.add_argument("--streams", help="comma-separated N to try instead of searching (e.g. 100,1000)")
    p.add_argument("--max-in-flight", type=int, default=0,
                   help="a fixed in-flight limit for the dispatcher (default: the worker's, which grows with the "
                        "streams: 30 per stream, at least 1000)")
    p.add_argument("--nice", type=int, default=-10,
                   help="niceness of the worker process (default -10 where permitted: on a shared machine the pinned "
                        "core is otherwise shared with other processes)")
    p.add_argument("--quick", action="store_true", help="a tiny run for tests (2 trials of 2 s per configuration)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    p.add_argument("--plots", metavar="DIR", help="write streams-backlog.png here")
    p.add_argument("--child", help=argparse.SUPPRESS)


# ---------------------------------------------------------------------------------------------- the trial (child)
def _pool(kind: str, manager: str | None, url: str) -> Any:
    from olp.bench.common import with_assignment
    from olp.poolfile import load_pool, parse_pool

    if kind == "local":
        pool = load_pool(None)
        return pool if manager else with_assignment(pool, "local-fast")
    from olp.bench.httppool import pool_dict

    pool = parse_pool(pool_dict(url))
    return pool if manager else with_assignment(pool, "http-fast")


class _ChunkTimes:
    """Wall time of each chunk of one stream and the critical path of the model calls made for it."""

    def __init__(self, sink: list[tuple[float, float]]) -> None:
        from olp.observer import Observer

        self.sink = sink
        self.calls: list[tuple[float, float]] | None = None  # (end, latency) of the current chunk's calls

        class _Calls(Observer):
            def on_call(inner, record) -> None:  # noqa: N805
                if self.calls is not None:
                    self.calls.append((time.perf_counter(), record.latency_ms / 1000.0))

        self.observer = _Calls()


def critical_path(calls: list[tuple[float, float]], slack: float = 0.002) -> float:
    """The longest chain of calls that ran one after another: calls as ``(end, latency)`` seconds."""
    spans = sorted((end - lat, end, lat) for end, lat in calls)
    best: list[float] = []
    for i, (start, _end, lat) in enumerate(spans):
        before = [best[j] for j in range(i) if spans[j][1] <= start + slack]
        best.append(lat + max(before, default=0.0))
    return max(best, default=0.0)


def _factory(pool: Any, legacy: bool, manager: str | None, chunks: list[tuple[float, float]],
             made: list[Any] | None = None):
    from olp.caller import DirectCaller
    from olp.gateway import Gateway
    from olp.observer import Observers
    from olp.pipeline import Pipeline
    from olp.profiles import get_profile
    from olp.settings import PipelineSettings

    class TimedPipeline(Pipeline):
        times: _ChunkTimes

        async def _process(self, final: bool):
            self.times.calls = []
            started = time.perf_counter()
            try:
                return await super()._process(final)
            finally:
                calls, self.times.calls = self.times.calls, None
                self.times.sink.append((time.perf_counter() - started, critical_path(calls)))

    def make(stream: str, profile_name: str, observer):  # as olp.stream.app.pipeline_factory, with a chunk timer
        prof = get_profile(profile_name)
        settings = PipelineSettings.for_chunk(prof.chunk_size)
        times = _ChunkTimes(chunks)
        obs = Observers(observer, times.observer)
        gateway = Gateway(pool, observer=obs, legacy=legacy)
        if manager:
            from role_rl.caller import build_rl_caller

            caller = build_rl_caller(gateway, prof, manager, observer=obs, concurrency=settings.concurrency, seed=0)
        else:
            caller = DirectCaller(gateway, prof, concurrency=settings.concurrency, observer=obs)
        pipe = TimedPipeline(stream, prof, caller, settings, obs)
        pipe.times = times
        if made is not None:
            made.append(pipe)
        return pipe

    return make


def _transcripts() -> list[Any]:
    from olp.datasets.synthetic import generate

    return [generate(400, lang="en", seed=seed) for seed in range(8)]


async def build_templates(kind: str, manager: str | None, url: str, n: int = TEMPLATES) -> list[dict[str, Any]]:
    """Warmed-up stream states: template m has read ``60 + (m * 37) % 120`` sentences of transcript ``m % 8``."""
    import asyncio

    from olp.stream.processor import StreamProcessor
    from olp.stream.messages import Utterance

    processor = StreamProcessor(_factory(_pool(kind, manager, url), False, manager, []), every_message=True)
    texts = _transcripts()

    async def one(m: int) -> dict[str, Any]:
        sentences = texts[m % len(texts)].sentences[: 60 + (m * 37) % 120]
        state = None
        for offset, s in enumerate(sentences):
            out = await processor.handle(f"t{m}", Utterance(s.text, s.id, 0.0), offset, state)
            state = out.state
            processor.saved(f"t{m}", offset)
        assert state is not None
        return {"transcript": m % len(texts), "next": len(sentences), "state": state}

    return list(await asyncio.gather(*(one(m) for m in range(n))))


async def run_trial(spec: dict[str, Any]) -> dict[str, Any]:
    """One trial: ``spec["streams"]`` streams for ``spec["duration"]`` seconds (see the module docstring)."""
    import asyncio
    import bisect
    import random

    from faust.serializers.codecs import dumps

    from olp.stream.dispatch import OrderedDispatcher
    from olp.stream.messages import Utterance, encode_json, parse_value, utterance_value
    from olp.stream.processor import StreamProcessor, encode_state
    from olp.types import CallRecord

    n, rate, duration = int(spec["streams"]), float(spec["rate"]), float(spec["duration"])
    manager = spec.get("manager")
    pool = _pool(spec["pool"], manager, spec.get("url", ""))
    chunks: list[tuple[float, float]] = []
    calls: list[CallRecord] = []

    from olp.observer import Observer

    class Count(Observer):
        def on_call(self, record: CallRecord) -> None:
            calls.append(record)

    pipelines: list[Any] = []
    legacy = bool(spec["legacy"])
    # old: the state after every sentence in faust's JSON codec; new: compressed snapshots at chunk boundaries
    processor = StreamProcessor(_factory(pool, legacy, manager, chunks, pipelines), observer=Count(),
                                every_message=legacy)
    encode = (lambda state: dumps("json", state)) if legacy else encode_state
    templates = json.loads(open(spec["templates"], encoding="utf-8").read())
    texts = _transcripts()
    rng = random.Random(13)
    saved: dict[str, Any] = {}
    todo: dict[str, list[Any]] = {}
    wall0 = time.time() + 0.5
    for i in range(n):
        t = templates[i % len(templates)]
        state = json.loads(json.dumps(t["state"]))
        state["offset"] = -1
        _arrived_live(state["pipeline"], wall0, rate)
        saved[f"s{i}"] = state
        todo[f"s{i}"] = texts[t["transcript"]].sentences[t["next"]:]

    live = {"on": False, "processed": 0, "sentences": 0, "bytes": 0, "text_bytes": 0}
    ttd: list[float] = []

    async def work(item: tuple[str, int, bytes, int]) -> None:
        stream, offset, raw, text_bytes = item
        message = parse_value(raw)
        outcome = await processor.handle(stream, message, offset, saved.get(stream), int(stream[1:]) % PARTITIONS)
        for doc in outcome.documents:
            encode_json(doc.to_dict())
            if live["on"] and doc.time_to_document_ms is not None:
                ttd.append(doc.time_to_document_ms / 1000.0)
        if outcome.state is not None:
            blob = encode(outcome.state)
            saved[stream] = outcome.state
            processor.saved(stream, offset)  # as the worker does once the state is in Kafka
            if live["on"]:
                live["bytes"] += len(blob)
        if live["on"] and isinstance(message, Utterance) and outcome.dead_letter is None:
            live["text_bytes"] += text_bytes
            live["sentences"] += 1
        live["processed"] += 1

    # acknowledgements go in offset order per partition: a chunk in flight holds back every later message of its
    # partition, so the worker needs about (arrival rate x chunk wall time) in flight: its limit grows with the
    # streams (WorkerSettings.in_flight_per_stream); --max-in-flight N sets a fixed limit instead
    from olp.stream.settings import WorkerSettings

    fixed = int(spec.get("max_in_flight") or 0)
    dispatcher = OrderedDispatcher(work, lambda item: None, limit=fixed or WorkerSettings.max_in_flight,
                                   per_key=0 if fixed else WorkerSettings.in_flight_per_stream)
    offsets = [0] * PARTITIONS

    lead = float(spec.get("lead_s", 0.0))  # arrivals before the window: chunks in flight reach their steady state
    per_stream = int((lead + duration) * rate) + 1
    events = sorted((j / rate + rng.random() / rate, i, j) for i in range(n) for j in range(per_stream))
    times = [e[0] for e in events]
    await _warm_up(pool, bool(spec["legacy"]), manager, texts[0].sentences[:150])
    for i in range(n):  # the worker builds a stream's pipeline once, on its first message: not in the window
        processor._pipeline_for(f"s{i}", parse_value(utterance_value("warm-up")), saved[f"s{i}"], i % PARTITIONS)
    margin = 0.5 + 2e-5 * len(events)  # time to encode the messages below
    t0 = time.perf_counter() + margin
    late = time.time() + margin - wall0  # building took that long: the buffered sentences arrived that much later
    wall0 += late
    for pipe in pipelines:
        _shift(pipe, late)

    wire = []  # (arrival, partition, (stream, offset, message value, transcript bytes)): the producer's work, done now
    for at, i, j in events:
        s, part = todo[f"s{i}"][j], i % PARTITIONS
        value = utterance_value(s.text, s.id, wall0 + at)
        wire.append((at, part, (f"s{i}", offsets[part], value, len(s.text.encode()))))
        offsets[part] += 1
    samples: list[tuple[float, int]] = []

    async def sample() -> None:
        while True:
            now = time.perf_counter() - t0
            if now >= lead:
                samples.append((now - lead, max(0, bisect.bisect_right(times, now) - live["processed"])))
            await asyncio.sleep(0.2)

    async def window() -> float:
        await asyncio.sleep(max(0.0, t0 + lead - time.perf_counter()))
        live["on"] = True
        calls.clear()
        chunks.clear()
        return time.process_time()

    await asyncio.sleep(max(0.0, t0 - time.perf_counter()))
    sampler = asyncio.create_task(sample())
    window_task = asyncio.create_task(window())
    for at, part, item in wire:
        delay = t0 + at - time.perf_counter()
        if delay > 0.005:  # sentences closer than that arrive together, as a Kafka fetch brings them
            await asyncio.sleep(delay)
        await dispatcher.submit((part, item[0]), part, item)
        if delay <= 0.005 and item[1] % 16 == 0:
            await asyncio.sleep(0)  # a consumer hands over after each fetched batch
    late = time.perf_counter() - (t0 + lead + duration)  # > 0: sentences were handed over later than they arrived
    await asyncio.sleep(max(0.0, t0 + lead + duration - time.perf_counter()))
    cpu = time.process_time() - await window_task
    live["on"] = False
    sampler.cancel()
    wall = time.perf_counter() - t0
    arrived = bisect.bisect_right(times, lead + duration) - bisect.bisect_right(times, lead)
    limit = dispatcher.capacity
    return _summary(spec, n, rate, wall - lead, cpu, arrived, live, calls, ttd, samples, chunks, limit, late)


async def _warm_up(pool: Any, legacy: bool, manager: str | None, sentences: list[Any]) -> None:
    """One stream through two chunks first: engines, tokenizer and clients load once per process, not in the window."""
    from olp.observer import Observer

    pipe = _factory(pool, legacy, manager, [])("warm-up", "ecommerce-en", Observer())
    for s in sentences:
        await pipe.feed(s)


def _arrived_live(pipeline_state: dict[str, Any], wall0: float, rate: float) -> None:
    """Give a template's buffered sentences the arrival times of a stream that has been live at ``rate``."""
    last = pipeline_state.get("last_id")
    if last is None:
        return
    groups = [pipeline_state.get("pending", []), pipeline_state.get("carry", [])]
    if pipeline_state.get("open"):
        groups.append(pipeline_state["open"]["sentences"])
    for group in groups:
        for sent in group:
            sent[2] = wall0 - (last + 1 - sent[0]) / rate


def _shift(pipe: Any, seconds: float) -> None:
    """Move the arrival times of a pipeline's buffered sentences ``seconds`` later."""
    from olp.types import Sentence

    def later(group: list[Any]) -> list[Any]:
        return [Sentence(x.id, x.text, None if x.ts is None else x.ts + seconds) for x in group]

    pipe.pending, pipe.carry = later(pipe.pending), later(pipe.carry)
    if pipe.open is not None:
        pipe.open.sentences = later(pipe.open.sentences)


def _summary(spec, n, rate, wall, cpu, arrived, live, calls, ttd, samples, chunks, limit, late) -> dict[str, Any]:
    duration = float(spec["duration"])
    backlog = [b for t, b in samples if t <= duration]
    half = [(t, b) for t, b in samples if duration / 2 <= t <= duration]
    slope = _slope(half)
    ttd_p95 = _p95(ttd)
    chunk_wall, chunk_cp = sum(w for w, _ in chunks), sum(c for _, c in chunks)
    middle = [b for t, b in samples if duration / 3 <= t < duration * 2 / 3] or [0]
    last = [b for t, b in samples if duration * 2 / 3 <= t <= duration] or middle
    growth = sum(last) / len(last) - sum(middle) / len(middle)
    keeps_up = growth <= max(GROWTH * n * rate * duration / 3, GROWTH_FLOOR) and (
        ttd_p95 is None or ttd_p95 <= spec["ttd_bound"])
    return {
        "streams": n, "arrival_per_s": n * rate, "wall_s": wall, "cpu_s": cpu, "cpu_share": cpu / wall,
        "sentences_arrived": arrived, "sentences_processed": live["sentences"], "calls": len(calls),
        "cpu_ms_per_sentence": 1000 * cpu / max(1, live["sentences"]),
        "cpu_ms_per_call": 1000 * cpu / max(1, len(calls)),
        "backlog_mean": sum(backlog) / max(1, len(backlog)), "backlog_final": backlog[-1] if backlog else 0,
        "backlog_slope_per_s": slope, "backlog": [[round(t, 2), b] for t, b in samples],
        "ttd_p95_s": ttd_p95, "documents": len(ttd), "chunks": len(chunks),
        "wall_over_critical_path": chunk_wall / chunk_cp if chunk_cp else None,
        "changelog_bytes_per_sentence": live["bytes"] / max(1, live["sentences"]),
        "changelog_bytes_per_transcript_byte": live["bytes"] / max(1, live["text_bytes"]),
        "backlog_growth": growth, "backlog_growth_share": growth / max(1.0, n * rate * duration / 3),
        "max_in_flight": limit, "handover_late_s": max(0.0, late),
        "keeps_up": keeps_up,
    }


def _slope(points: list[tuple[float, int]]) -> float:
    if len(points) < 2:
        return 0.0
    mt = sum(t for t, _ in points) / len(points)
    mb = sum(b for _, b in points) / len(points)
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (b - mb) for t, b in points) / den if den else 0.0


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(0.95 * len(v)))]


def _take_core(nice: int) -> None:
    """On a shared machine the pinned core is shared with other processes: raise this process's priority for the
    trial's few seconds. Linux shares CPU between sessions' autogroups first and applies ``nice`` only within one,
    so the child runs in its own session (``start_new_session``) and sets its autogroup's niceness; elsewhere
    plain ``nice``. Neither is permitted without privileges: the trial then runs at normal priority."""
    try:
        with open("/proc/self/autogroup", "w", encoding="ascii") as f:
            f.write(str(nice))
        return
    except OSError:
        pass
    try:
        os.nice(nice)
    except OSError:
        pass


def _child(spec_json: str) -> int:
    import asyncio

    spec = json.loads(spec_json)
    if spec.get("core") is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(spec["core"])})
    if spec.get("nice"):
        _take_core(int(spec["nice"]))
    if not spec.get("legacy"):
        from olp.stream.app import tune_gc

        tune_gc()  # as olp worker does (create_app); the old worker ran with Python's default collector

    def trial(n: int) -> dict[str, Any]:
        r = asyncio.run(run_trial({**spec, "streams": n}))
        print(f"  {spec['name']}: N={n}: {r['cpu_share']:.2f} of the core, "
              f"{r['cpu_ms_per_sentence']:.3f} ms CPU/sentence, "
              f"backlog growth {r['backlog_growth_share']:.3f} of arrivals, time-to-document p95 "
              f"{r['ttd_p95_s'] or 0:.1f} s, keeps up: {r['keeps_up']}", file=sys.stderr, flush=True)
        return r

    print(json.dumps(search(trial, spec)))
    return 0


def search(trial, spec: dict[str, Any]) -> dict[str, Any]:
    """Trials for one configuration: ``spec["plan"]`` (a list of N), or a search for the largest N that keeps up.

    A calibration trial at ``spec["first"]`` streams gives the CPU per sentence; the next trial runs at the
    capacity that implies; then up by 15% (or to the capacity measured at that scale) while the worker keeps up,
    and halfway back when it does not, for ``spec["steps"]`` trials or until kept and lost lie within 5%.
    """
    trials: list[dict[str, Any]] = []

    def run(n: int) -> dict[str, Any]:
        trials.append(trial(n))
        return trials[-1]

    def capacity(r: dict[str, Any]) -> int:
        return _tens(1000.0 / (r["cpu_ms_per_sentence"] * float(spec["rate"])))

    if spec.get("plan"):
        for n in spec["plan"]:
            run(int(n))
    else:
        first = int(spec["first"])
        cal = run(first)
        lo, hi = (first, None) if cal["keeps_up"] else (0, first)
        n = capacity(cal) if cal["keeps_up"] else _tens(first * 0.6)
        for _ in range(int(spec.get("steps", 3))):
            if n <= 0 or n in {t["streams"] for t in trials}:
                break
            r = run(n)
            if r["keeps_up"]:
                lo = max(lo, n)
                n = _tens((lo + hi) / 2) if hi else max(_tens(n * 1.15), capacity(r))
            else:
                hi = n if hi is None else min(hi, n)
                n = _tens((lo + hi) / 2) if lo else _tens(n * 0.7)
            if lo and hi and hi - lo <= max(20, 0.05 * lo):
                break
        if spec.get("overload") and hi is None:
            run(_tens(1.3 * lo))
    kept = [t for t in trials if t["keeps_up"]]
    best = max(kept, key=lambda t: t["streams"]) if kept else None
    return {"streams_per_core": best["streams"] if best else 0, "at_best": best, "trials": trials}


def _tens(x: float) -> int:
    return int(x) // 10 * 10


# ---------------------------------------------------------------------------------------------- the parent
def _configuration(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one configuration's trials in a child process (progress lines go to stderr)."""
    cmd = [sys.executable, "-m", "olp", "bench", "streams", "--child", json.dumps(spec)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, start_new_session=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def _core() -> int | None:
    if not hasattr(os, "sched_getaffinity"):
        return None
    return max(os.sched_getaffinity(0))


def run(args: argparse.Namespace) -> int:
    if args.child:
        return _child(args.child)
    import asyncio
    import tempfile

    from olp.bench.common import emit, md_table
    from olp.bench.httppool import ServerProcess
    from olp.profiles import get_profile

    if args.quick:
        args.duration = min(args.duration, 2.0)
        args.latency = min(args.latency, 0.1)
    log = (lambda msg: print(msg, file=sys.stderr, flush=True))
    chunk = get_profile("ecommerce-en").chunk_size
    bound = args.ttd_bound if args.ttd_bound is not None else chunk / args.rate + 10.0
    pools = [p for p in args.pools.split(",") if p]
    paths = [p for p in args.paths.split(",") if p]
    rl_paths = [p for p in (args.rl or "").split(",") if p and not args.quick]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(args.latency) as server:
        if hasattr(os, "sched_setaffinity") and server.proc is not None and _core() is not None:
            others = os.sched_getaffinity(0) - {_core()}
            if others:
                os.sched_setaffinity(server.proc.pid, others)  # the models' CPU is not the worker's
        for kind in pools:
            for manager in [None, *(["bandit"] if rl_paths else [])]:
                log(f"warming up template streams ({kind}{', Role-RL' if manager else ''})")
                count = 8 if args.quick else TEMPLATES
                templates = asyncio.run(build_templates(kind, manager, server.url_for(0), count))
                path = os.path.join(tmp, f"templates-{kind}-{manager}.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(templates, f)
                for gw in (rl_paths if manager else paths):
                    name = f"{kind} {gw}" + (" Role-RL" if manager else "")
                    base = {"name": name, "pool": kind, "legacy": gw == "old", "manager": manager,
                            "url": server.url_for(args.latency), "rate": args.rate, "ttd_bound": bound,
                            "templates": path, "core": _core(), "max_in_flight": args.max_in_flight, "nice": args.nice,
                            "overload": gw == "new" and not manager, "steps": 1 if manager else 4 if gw == "new" else 3,
                            "first": 150 if kind == "local" else 100,
                            # Role-RL: fewer streams, longer chains of calls (judges): burstier backlog, longer window
                            "duration": args.duration * (2 if manager and not args.quick else 1),
                            # long enough for the chunks in flight to reach their steady state (Role-RL adds judges)
                            "lead_s": 2.0 + ((12 if manager else 6) * args.latency if kind == "http" else 0.0)}
                    if args.streams:
                        base["plan"] = [int(x) for x in args.streams.split(",")]
                    elif args.quick:
                        base["plan"] = [4, 48]
                    log(f"{name}:")
                    results[name] = _configuration(base)
    payload = _payload(results, args, bound, chunk)
    if args.plots:
        payload["plots"] = [_plot(results, args.plots)]
    emit(args, _table(results, payload, md_table), payload)
    return 0


def _payload(results: dict[str, Any], args, bound: float, chunk: int) -> dict[str, Any]:
    def at(name: str, key: str) -> Any:
        best = (results.get(name) or {}).get("at_best")
        return None if best is None else best.get(key)

    def n(name: str) -> int | None:
        return (results.get(name) or {}).get("streams_per_core")

    out: dict[str, Any] = {
        "rate_per_stream": args.rate, "duration_s": args.duration, "http_latency_s": args.latency,
        "ttd_bound_s": bound, "chunk_size": chunk, "growth_limit_share": GROWTH,
        "streams_per_core_local": n("local new"), "streams_per_core_http": n("http new"),
        "streams_per_core_local_old": n("local old"), "streams_per_core_http_old": n("http old"),
        "wall_over_critical_path": at("http new", "wall_over_critical_path"),
        "changelog_bytes_per_sentence": at("local new", "changelog_bytes_per_sentence"),
        "changelog_bytes_per_transcript_byte": at("local new", "changelog_bytes_per_transcript_byte"),
        "changelog_bytes_per_sentence_old": at("local old", "changelog_bytes_per_sentence"),
        "changelog_bytes_per_transcript_byte_old": at("local old", "changelog_bytes_per_transcript_byte"),
        "configs": results,
    }
    for old, new in (("local old", "local new"), ("http old", "http new")):
        if n(old) and n(new):
            out[f"speedup_{new.split()[0]}"] = n(new) / n(old)
    return out


def _table(results: dict[str, Any], payload: dict[str, Any], md_table) -> str:
    rows = []
    for name, r in results.items():
        b = r["at_best"] or {}
        rows.append([name, r["streams_per_core"], b.get("cpu_share"), b.get("cpu_ms_per_sentence"),
                     b.get("cpu_ms_per_call"), b.get("backlog_growth_share"), b.get("ttd_p95_s"),
                     b.get("wall_over_critical_path"), b.get("changelog_bytes_per_sentence"),
                     b.get("changelog_bytes_per_transcript_byte"), len(r["trials"])])
    table = md_table(["configuration", "streams/core", "CPU share", "CPU ms/sentence", "CPU ms/call",
                      "backlog growth", "ttd p95 s", "wall/critical path", "changelog B/sentence",
                      "changelog B/transcript B", "trials"], rows)
    return table + (f"\n\nstreams kept up at {payload['rate_per_stream']:g} sentences/s each, time-to-document p95 "
                    f"bound {payload['ttd_bound_s']:g} s, HTTP model latency {payload['http_latency_s']:g} s")


def _plot(results: dict[str, Any], plots_dir: str) -> str:
    from olp.bench.plots import _plt, _save

    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, r in results.items():
        pts = sorted((t["streams"], t["backlog_growth_share"], t["backlog_mean"], t["keeps_up"])
                     for t in r["trials"])
        xs = [p[0] for p in pts]
        line = ax1.plot(xs, [p[1] for p in pts], marker="o", label=name)[0]
        ax2.plot(xs, [p[2] for p in pts], marker="o", color=line.get_color(), label=name)
        for p in pts:
            if not p[3]:
                ax1.scatter([p[0]], [p[1]], marker="x", s=80, color=line.get_color())
    ax1.axhline(GROWTH, color="grey", ls="--", lw=1)
    ax1.set_xlabel("live streams (N)")
    ax1.set_ylabel("backlog growth / sentences arrived")
    ax1.set_yscale("symlog", linthresh=0.05)
    ax1.set_title("backlog growth, middle to last third (x: fell behind)")
    ax2.set_xlabel("live streams (N)")
    ax2.set_ylabel("mean backlog (sentences)")
    ax2.set_yscale("symlog")
    ax2.set_title("mean backlog over the window")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.grid(alpha=0.3)
    ax1.legend(fontsize=7)
    return _save(fig, f"{plots_dir}/streams-backlog.png")
