"""``olp bench scale``: OLP over many long synthetic streams at once, with the simulated pool (``olp.bench.simpool``).

N synthetic live-commerce transcripts of M sentences (a ``--zh-share`` of them Chinese) run **concurrently**, one
pipeline per stream on one event loop, for each configuration:

* ``all <model>``: every role played by one model (the fixed assignments);
* ``best model per role``: the static assignment the calibration recommends (per role the most accurate model,
  the cheaper on a tie): what a per-role manager can at best converge to;
* ``oracle``: per call, the cheapest model that answers it correctly (the simulated pool knows);
* ``Role-RL (<manager>)``: a role manager (``role_rl.managers``) picks the model per call and learns from the
  board's verdicts; one manager, board and audit policy learn from all streams of the run.

Reported per configuration: topic recall and aspect recall (``olp.evaluation.recall``, pooled over all streams),
the share of role calls whose used answer was right, cost in USD (the board's part separately), and the wall time
against the sum of the model latencies (nominal, as the simulated pool assumes them): ``hidden`` = Σ latency /
wall, how many calls the concurrency kept waiting at once on average.

Time: by default the loop runs on a **virtual clock** (``VirtualTimeLoop``): a sleep takes no real time, the clock
jumps to the next timer when every task waits, so a run repeats exactly and its elapsed clock is the latency-bound
wall time (code takes no virtual time; its cost is reported apart as CPU seconds). ``--clock real`` sleeps the
latencies at ``--time-scale`` instead (wall = real elapsed / time scale, CPU time scaled up with it).

The Role-RL caller is ``role_rl.caller.RLCaller`` with ``role_rl.board.Board`` (``--rl-caller role_rl``, or
``auto`` when importable). ``--rl-caller sim-board`` is a stand-in kept here (``SimBoardCaller``): the same steps
with the paper's textual judge prompt, for when ``role_rl.caller`` is unavailable.
Configurations run in ``--workers`` processes.

``--stream-counts 1,10,100`` reports instead what learning costs per stream when streams share one learner
(issue 10): Role-RL at each stream count, with each ``--learner-workers`` count of workers holding their own
replica of the learner (``olp.stream.learner.Replica``) fed by one ordered feedback log, against all-claude and
the best fixed model per role on the same streams. One worker runs in the job's process (``FeedbackLog``: the
olp-feedback topic in one process); more run as that many OS processes, each with its share of the streams
(``worker_share``) on its own virtual clock, exchanging feedback in lock-step (``olp.bench.lockstep``).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import selectors
import time
from dataclasses import dataclass, field
from typing import Any

from olp.bench.common import WrappingCaller
from olp.bench.lockstep import ExchangedLog, FeedbackLog, lockstep, run_processes
from olp.caller import CallContext
from olp.errors import BadModelOutputError, ConfigError
from olp.observer import Observer

FULL_STREAMS, FULL_SENTENCES = 100, 10_000


@dataclass(frozen=True)
class Job:
    """One configuration's run (picklable, so it can run in a worker process)."""

    name: str
    kind: str  # "model", "best", "oracle" or "rl"
    arg: str
    streams: int
    sentences: int
    time_scale: float
    seed: int
    zh_share: float
    judge: str
    audit: str
    rl_caller: str
    clock: str = "virtual"
    concurrency: int = 16
    replicas: int = 0  # Role-RL: learner replicas (workers) sharing feedback through an ordered log; 0: one manager
    feedback_delay_s: float = 0.1  # nominal seconds before a feedback event reaches every replica


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--streams", type=int, default=FULL_STREAMS, help=f"concurrent streams (default {FULL_STREAMS})")
    p.add_argument("--sentences", type=int, default=FULL_SENTENCES,
                   help=f"sentences per stream (default {FULL_SENTENCES:,})")
    p.add_argument("--time-scale", type=float, default=0.01,
                   help="latencies are slept at this factor and reported unscaled (default 0.01; with the real clock "
                        "it shortens the run)")
    p.add_argument("--managers", default="bandit,qlearning",
                   help="comma-separated Role-RL managers ('' for none; default bandit,qlearning)")
    p.add_argument("--models", default="", help="comma-separated fixed assignments to run (default: all six)")
    p.add_argument("--no-oracle", action="store_true", help="skip the oracle and best-model-per-role configurations")
    p.add_argument("--zh-share", type=float, default=0.5, help="share of Chinese streams (default 0.5)")
    p.add_argument("--judge", default="gemini-1.5-pro",
                   help="the advisory board's model (default gemini-1.5-pro, the paper's starting board)")
    p.add_argument("--audit", choices=("all", "fixed", "adaptive", "settling"), default="adaptive",
                   help="when the board judges a Role-RL call (default adaptive)")
    p.add_argument("--rl-caller", choices=("auto", "role_rl", "sim-board"), default="auto",
                   help="Role-RL caller: role_rl.caller.RLCaller (role_rl; auto when importable) or the stand-in "
                        "here (sim-board)")
    p.add_argument("--clock", choices=("virtual", "real"), default="virtual",
                   help="virtual: sleeps take no real time and runs repeat exactly (default); real: latencies are "
                        "slept at --time-scale")
    p.add_argument("--stream-counts", metavar="N,N,...",
                   help="the learning-cost table (issue 10): Role-RL at each number of concurrent streams, with each "
                        "--learner-workers count sharing one learner, against all-claude and the best fixed model "
                        "per role at the same size (e.g. 1,10,100)")
    p.add_argument("--learner-workers", default="1,2", metavar="N,N,...",
                   help="with --stream-counts: workers sharing the learner, each with its own replica fed by the "
                        "feedback log; above 1 they are OS processes exchanging feedback in lock-step on the "
                        "virtual clock (default 1,2)")
    p.add_argument("--feedback-delay", type=float, default=0.1,
                   help="with --stream-counts: nominal seconds before a feedback event reaches every worker's "
                        "replica (default 0.1)")
    p.add_argument("--workers", type=int, default=2, help="configurations run in this many processes (default 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    p.add_argument("--plots", metavar="DIR", help="write PNG plots here")


# ---------------------------------------------------------------------------------------------- callers
class Trace:
    """Per configuration: whether each role call's used answer was right, and its cost, by chunk and role."""

    def __init__(self) -> None:
        self.by_chunk: dict[int, list[float]] = {}  # chunk -> [right, calls, cost]
        self.by_role: dict[str, list[int]] = {}  # role -> [right, calls]
        self.contexts: dict[str, CallContext] = {}  # the last call context seen per language

    def add(self, chunk: int, role: str, right: bool, cost: float) -> None:
        c = self.by_chunk.setdefault(chunk, [0, 0, 0.0])
        c[0] += right
        c[1] += 1
        c[2] += cost
        r = self.by_role.setdefault(role, [0, 0])
        r[0] += right
        r[1] += 1


class TracingCaller:
    """Wraps a caller; checks every used answer against the simulated pool's correct one."""

    def __init__(self, inner, sim, trace: Trace) -> None:
        self.inner, self.sim, self.trace = inner, sim, trace
        self.profile = inner.profile

    async def call(self, role, inp, ctx: CallContext):
        self.trace.contexts[self.profile.language] = ctx
        payload = {"task": role.name, "profile": self.profile.name, **role.payload(inp)}
        try:
            result = await self.inner.call(role, inp, ctx)
        except BadModelOutputError:  # the locator found no span: right when there is none to find
            self.trace.add(ctx.chunk, role.name, self.sim.is_right(role.name, payload, None), 0.0)
            raise
        right = self.sim.is_right(role.name, payload, result.value if result.parsed else None)
        self.trace.add(ctx.chunk, role.name, right, sum(r.cost_usd for r in result.records))
        return result

    def assignment(self) -> dict[str, str]:
        return self.inner.assignment()

    def state_dict(self) -> dict[str, Any]:
        return self.inner.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.inner.load_state_dict(state)


class OracleCaller:
    """Per call, the cheapest model that answers correctly (the simulated pool knows which)."""

    def __init__(self, gateway, profile, sim, concurrency: int = 16) -> None:
        self.gateway, self.profile, self.sim = gateway, profile, sim
        self._sem = asyncio.Semaphore(concurrency)

    async def call(self, role, inp, ctx: CallContext):
        from olp.caller import ask

        model = self.sim.oracle_model(role.build_messages(inp, self.profile))
        async with self._sem:
            return await ask(self.gateway, role, inp, self.profile, [model])

    def assignment(self) -> dict[str, str]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


@dataclass
class Board:
    """What a run's stand-in Role-RL callers share: the manager, the audit policy, the reward, the judge."""

    manager: Any
    audit: Any
    reward: Any
    judge: str
    changes: int = 0
    last: dict[str, str] = field(default_factory=dict)


class SimBoardCaller:
    """Role-RL on the simulated pool without ``role_rl.caller`` (``--rl-caller sim-board``).

    The manager chooses (and may run extra models to explore); when the audit policy says so, the board model
    judges every answer with the paper's judge prompt; the reward is ``role_rl.reward`` with the call's cost and
    nominal latency; the answer with the highest reward is used, replaced by the board's correction when judged
    wrong. Every worker and judge call is in the result's records, so the board's cost counts.
    """

    def __init__(self, gateway, profile, board: Board, concurrency: int = 16) -> None:
        self.gateway, self.profile, self.board = gateway, profile, board
        self._sem = asyncio.Semaphore(concurrency)

    async def _one(self, role, inp, messages, model: str):
        rec = await self.gateway.complete(role.name, model, messages, max_tokens=role.max_tokens)
        try:
            return rec, (role.parse(rec.text, inp, self.profile) if rec.ok else None)
        except BadModelOutputError:
            return rec, None

    async def call(self, role, inp, ctx: CallContext):
        from olp.bench.simpool import judge_messages, parse_verdict
        from olp.caller import RoleResult
        from role_rl.managers import Feedback, Outcome
        from role_rl.reward import correctness

        b = self.board
        choice = b.manager.choose(role.name, ctx)
        messages = role.build_messages(inp, self.profile)
        async with self._sem:
            answers = await asyncio.gather(*(self._one(role, inp, messages, m) for m in choice.models))
        records = [rec for rec, _ in answers]
        used, value = 0, answers[0][1]
        exploring = bool(choice.explore) or choice.reason != "exploit"
        if b.audit.should_audit(role.name, choice.model, exploring):
            question = messages[-1]["content"]
            async with self._sem:
                verdicts = await asyncio.gather(*(
                    self.gateway.complete("judge", b.judge, judge_messages(question, rec.text), max_tokens=2048)
                    for rec, _ in answers))
            records += verdicts
            outcomes, corrections = [], []
            for (rec, val), verdict in zip(answers, verdicts):
                right, corrected = parse_verdict(verdict.text) if verdict.ok else (False, None)
                fixed = self._parse(role, inp, corrected)
                corrections.append(fixed)
                k = correctness(role.name, right, answer=_span(role.name, val), corrected=_span(role.name, fixed),
                                wrong=b.reward.wrong, answer_text=rec.text, corrected_text=corrected)
                latency = rec.latency_ms / 1000.0  # nominal: the gateway's clock is unscaled
                outcomes.append(Outcome(rec.model, b.reward.reward(k, rec.cost_usd, latency), right, k,
                                        rec.cost_usd, latency))
                b.audit.record(role.name, rec.model, right)
            fb = Feedback(role.name, ctx, choice, tuple(outcomes))
            b.manager.update(fb)
            used = [o.model for o in outcomes].index(fb.best().model)
            value = answers[used][1]
            if not outcomes[used].correct and corrections[used] is not None:
                value = corrections[used]  # the board's corrected answer replaces the wrong one
        now = b.manager.best(role.name, ctx)
        if b.last.get(role.name) not in (None, now):
            b.changes += 1
        b.last[role.name] = now
        if value is None:
            return RoleResult(role.fallback(inp, self.profile), choice.models[used], records, parsed=False)
        return RoleResult(value, choice.models[used], records)

    def _parse(self, role, inp, text: str | None):
        if not text:
            return None
        try:
            return role.parse(text, inp, self.profile)
        except BadModelOutputError:
            return None

    def assignment(self) -> dict[str, str]:
        return dict(self.board.last)

    def state_dict(self) -> dict[str, Any]:
        return {"manager": self.board.manager.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("manager"):
            self.board.manager.load_state_dict(state["manager"])


def _span(role: str, value: Any) -> Any:
    return value if role == "topic_locator" else None


# ---------------------------------------------------------------------------------------------- virtual time
class _SkippingSelector(selectors.DefaultSelector):
    """Polls for real events; when there are none, no worker thread is busy for the loop, and the loop would
    sleep until its next timer, it moves the loop's virtual clock to that timer instead of sleeping."""

    loop: "VirtualTimeLoop"

    def select(self, timeout=None):
        events = super().select(0)
        if events or timeout is not None and timeout <= 0:
            return events
        if timeout is None or self.loop.in_threads:  # only real work can wake the loop: wait for it
            return super().select(0.5 if timeout is None else min(timeout, 0.5))
        self.loop.now += timeout
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock only moves when every task waits on a timer: ``asyncio.sleep`` takes no real
    time and the run repeats exactly. Code, and work handed to threads (litellm runs part of every call in an
    executor), takes no virtual time, so the loop's elapsed time is the latency-bound wall time of the run: what
    the concurrency makes of the models' latencies."""

    def __init__(self) -> None:
        selector = _SkippingSelector()
        super().__init__(selector)
        selector.loop = self
        self.now = 0.0
        self.in_threads = 0

    def time(self) -> float:
        return self.now

    def run_in_executor(self, executor, func, *args):
        future = super().run_in_executor(executor, func, *args)
        self.in_threads += 1
        future.add_done_callback(self._thread_done)
        return future

    def _thread_done(self, _future) -> None:
        self.in_threads -= 1


# ---------------------------------------------------------------------------------------------- one configuration
class Tally(Observer):
    """Sums what the gateway reports, without keeping records (a full run makes millions of calls)."""

    def __init__(self) -> None:
        self.cost = self.board_cost = 0.0
        self.calls = self.board_calls = self.failed = 0
        self.tokens_in = self.tokens_out = 0
        self.by_model: dict[str, int] = {}

    def on_call(self, rec) -> None:
        self.cost += rec.cost_usd
        self.calls += 1
        self.failed += not rec.ok
        self.tokens_in += rec.input_tokens
        self.tokens_out += rec.output_tokens
        if rec.role == "judge":
            self.board_cost += rec.cost_usd
            self.board_calls += 1
        else:
            self.by_model[rec.model] = self.by_model.get(rec.model, 0) + 1


def transcripts(streams: int, sentences: int, seed: int, zh_share: float, share: range | None = None) -> list:
    """The run's transcripts (or those of stream numbers ``share``): ids unique across streams (the simulated pool
    looks sentences up by id)."""
    from olp.datasets.synthetic import SyntheticConfig, generate

    stride = 10 ** max(7, len(str(sentences)) + 1)
    out = []
    for k in range(streams) if share is None else share:
        cfg = SyntheticConfig(start_id=(k + 1) * stride)
        out.append(generate(sentences, "zh" if _is_zh(k, zh_share) else "en", seed=seed * 100_003 + k, config=cfg))
    return out


def run_job(job: Job) -> dict[str, Any]:
    """Run one configuration over all streams and summarize it: in this process, or with Role-RL shared by
    ``job.replicas`` > 1 workers, in that many worker processes (``olp.bench.lockstep``)."""
    started = time.perf_counter()
    if job.kind == "rl" and job.replicas > 1:
        parts = run_processes(job.replicas, _worker_process, job)
    else:
        parts = [_run_streams(job, range(job.streams))]
    summary = _summarize(job, parts)
    summary["process_s"] = time.perf_counter() - started
    return summary


def _worker_process(worker: int, conn, job: Job) -> dict[str, Any]:
    """One worker process: its share of the streams, its own replica, in lock-step with the rest."""
    return _run_streams(job, worker_share(worker, job.streams, job.replicas), (worker, conn))


def worker_share(worker: int, streams: int, workers: int) -> range:
    """The streams a worker runs: a contiguous block. Streams alternate English and Chinese, so each block holds
    both languages, as a worker's partitions do when Kafka hashes stream keys (dealt round robin, one worker
    would get every English stream and the other every Chinese one)."""
    size = -(-streams // workers)
    return range(min(streams, worker * size), min(streams, (worker + 1) * size))


def _run_streams(job: Job, share: range, lockstep_with: tuple[int, Any] | None = None) -> dict[str, Any]:
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from olp.bench.simpool import SimPool

    sim = SimPool(time_scale=job.time_scale, seed=job.seed)
    streams = transcripts(job.streams, job.sentences, job.seed, job.zh_share, share)
    for t in streams:
        sim.register(t)
    sim.install()
    factory = VirtualTimeLoop if job.clock == "virtual" else None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_run(job, sim, streams, lockstep_with))


@dataclass
class Learner:
    """What the Role-RL callers of one run share (one manager learns from every stream), and how to make one."""

    label: str
    manager: Any
    make: Any  # (profile) -> caller
    callers: list = field(default_factory=list)
    log: Any = None  # FeedbackLog, when workers share the learner through one
    replicas: list = field(default_factory=list)  # each worker's replica, then

    def caller(self, profile):
        c = self.make(profile)
        self.callers.append(c)
        return c

    def summary(self, contexts: dict[str, CallContext]) -> dict[str, Any]:
        for r in self.replicas:  # every replica applies the whole log before the final assignment is read
            self.log.sync(r, everything=True)
        out: dict[str, Any] = {"rl_caller": self.label, "final_assignment": {
            lang: {r: self.manager.best(r, c) for r in self.manager.roles} for lang, c in sorted(contexts.items())}}
        if self.callers and isinstance(self.callers[0], SimBoardCaller):
            out["assignment_changes"] = self.callers[0].board.changes
        usage = [c.usage for c in self.callers if hasattr(c, "usage")]
        if usage:  # role_rl.caller's own accounting
            for key in _USAGE:
                out["learning_" + key if key.startswith("board") else key] = sum(getattr(u, key) for u in usage)
        replicas = self.replicas
        if replicas:  # every replica applied the whole log: do they end in the same state?
            out["replicas"] = len(replicas)
            out["replicas_agree"] = all(r.assignment() == replicas[0].assignment() for r in replicas)
            out["feedback_events"] = len(self.log.entries)
            ids = [e["id"] for _, e in self.log.entries]
            out["feedback_ids_unique"] = len(set(ids)) == len(ids)
            out["log_digest"] = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]  # the log's order
            out["applied_per_replica"] = [r.events for r in replicas]
            out["assignment"] = replicas[0].assignment()
        return out


_USAGE = ("exploration_calls", "exploration_cost_usd", "audited_calls", "corrections", "assignment_changes",
          "board_calls", "board_cost_usd")


def _merge_learners(outs: list[dict[str, Any]]) -> dict[str, Any]:
    """The learner summaries of the worker processes as one: usage summed, replicas compared across processes,
    the final assignment per language from the first process that ran a stream in it."""
    if len(outs) == 1:
        return outs[0]
    out = dict(outs[0])
    final: dict[str, Any] = {}
    for o in outs:
        for lang, a in o["final_assignment"].items():
            final.setdefault(lang, a)
    out["final_assignment"] = dict(sorted(final.items()))
    for key in _USAGE:
        key = "learning_" + key if key.startswith("board") else key
        if any(key in o for o in outs):  # a worker with no stream made no calls: it has no usage
            out[key] = sum(o.get(key, 0) for o in outs)
    out["replicas"] = sum(o["replicas"] for o in outs)
    out["replicas_agree"] = all(o["replicas_agree"] and o["assignment"] == outs[0]["assignment"] for o in outs)
    out["feedback_events"] = max(o["feedback_events"] for o in outs)
    out["logs_agree"] = len({o["log_digest"] for o in outs}) == 1  # the same events in the same order
    out["feedback_ids_unique"] = all(o["feedback_ids_unique"] for o in outs)
    out["applied_per_replica"] = [n for o in outs for n in o["applied_per_replica"]]
    out["epochs"] = outs[0]["epochs"]
    return out


def _rl_learner(job: Job, sim, gateway, lockstep_with: tuple[int, Any] | None = None) -> Learner:
    """The job's Role-RL: ``role_rl.caller.RLCaller`` (with ``role_rl.board``), or the stand-in here."""
    from olp.observer import Observer
    from role_rl.managers import make_manager
    from role_rl.reward import preset

    reward = preset("olp")
    options = {"reward_scale": reward.v} if job.arg in ("bandit", "ppo") else {}
    manager = make_manager(job.arg, gateway.pool.names, seed=job.seed, **options)
    audit = _audit(job)
    use_role_rl = job.rl_caller == "role_rl"
    if job.rl_caller == "auto":
        try:
            import role_rl.board  # noqa: F401
            import role_rl.caller  # noqa: F401

            use_role_rl = True
        except ImportError:
            use_role_rl = False
    if job.replicas:
        return _replicated_learner(job, gateway, reward, options, lockstep_with)
    if use_role_rl:
        from role_rl.board import Board as RLBoard
        from role_rl.caller import RLCaller
        from role_rl.pool import Pool

        board = RLBoard(gateway, prices_per_m=Pool(gateway.pool, gateway).prices_per_m())
        return Learner(f"role_rl.caller.RLCaller (judge {job.judge}, audit {job.audit})", manager,
                       lambda prof: RLCaller(gateway, prof, manager, board, reward=reward, audit=audit,
                                             observer=Observer(), concurrency=job.concurrency))
    shared = Board(manager, audit, reward, job.judge)
    return Learner(f"sim-board stand-in (judge {job.judge}, audit {job.audit})", manager,
                   lambda prof: SimBoardCaller(gateway, prof, shared, concurrency=job.concurrency))


def _audit(job: Job, seed: int | None = None):
    """The job's audit policy, its call rates on the nominal clock (the loop's runs at the time scale)."""
    from role_rl.audit import AuditPolicy

    loop = asyncio.get_running_loop()
    return AuditPolicy(mode=job.audit, seed=job.seed if seed is None else seed,
                       clock=lambda: loop.time() / job.time_scale)


class SyncedCaller(WrappingCaller):
    """A worker's stream caller: before each call, its worker's replica applies the feedback that reached it."""

    def __init__(self, inner, log: FeedbackLog, replica) -> None:
        super().__init__(inner)
        self.log, self.replica = log, replica

    async def call(self, role, inp, ctx: CallContext):
        self.log.sync(self.replica)
        return await self.inner.call(role, inp, ctx)


def _replicated_learner(job: Job, gateway, reward, options: dict[str, Any],
                        lockstep_with: tuple[int, Any] | None = None) -> Learner:
    """One worker's learner replica (manager, board, audit policy) for its share of the streams (``worker_share``),
    fed by the feedback log: what ``olp worker --manager`` runs, minus Kafka. The job's only worker runs in this
    process; each of several runs in its own (``lockstep_with``: its number and its pipe to the hub)."""
    from olp.observer import Observer
    from olp.stream.learner import Replica
    from role_rl.board import Board as RLBoard
    from role_rl.caller import RLCaller
    from role_rl.managers import make_manager
    from role_rl.pool import Pool

    loop = asyncio.get_running_loop()
    delay = job.feedback_delay_s * job.time_scale  # the loop runs at the time scale
    w = lockstep_with[0] if lockstep_with else 0
    log = ExchangedLog(loop, delay, w) if lockstep_with else FeedbackLog(loop, delay)
    prices = Pool(gateway.pool, gateway).prices_per_m()
    manager = make_manager(job.arg, gateway.pool.names, seed=job.seed + w, **options)  # each worker its own seed
    rep = Replica(manager, _audit(job, job.seed + w), RLBoard(gateway, prices_per_m=prices), reward.v)
    where = "worker processes in lock-step" if lockstep_with else "a feedback log in one process"
    learner = Learner(f"role_rl.caller.RLCaller, {job.replicas} worker(s) sharing the learner through {where} "
                      f"(judge {job.judge}, audit {job.audit})", manager, None)

    def make(prof):
        inner = RLCaller(gateway, prof, rep.manager, rep.board, reward=reward, audit=rep.audit, observer=Observer(),
                         concurrency=job.concurrency, learn=lambda fb: log.publish(fb, f"worker-{w}"),
                         elections=False)
        return SyncedCaller(inner, log, rep)

    learner.make, learner.log, learner.replicas = make, log, [rep]
    return learner


async def _run(job: Job, sim, streams: list, lockstep_with: tuple[int, Any] | None = None) -> dict[str, Any]:
    """Run ``streams`` (all of the job's, or a worker process's share); what ``_summarize`` adds up."""
    from olp.caller import DirectCaller
    from olp.bench.common import with_assignment
    from olp.bench.simpool import best_per_role
    from olp.evaluation.recall import gold_pairs, match_topics, predicted_pairs
    from olp.gateway import Gateway
    from olp.observer import Observer
    from olp.pipeline import Pipeline
    from olp.profiles import get_profile
    from olp.settings import PipelineSettings

    pool = sim.pool_config(judges=(job.judge,))
    tally, trace = Tally(), Trace()
    loop = asyncio.get_running_loop()
    # the gateway times calls on the loop's clock, unscaled: records (and Role-RL's reward) carry nominal latency
    gateway = Gateway(with_assignment(pool, job.arg) if job.kind == "model" else pool, observer=tally,
                      clock=lambda: loop.time() / job.time_scale)
    learner = _rl_learner(job, sim, gateway, lockstep_with) if job.kind == "rl" else None
    assignment = best_per_role(sim.accuracy) if job.kind == "best" else None
    totals = {"gold_topics": 0, "matched": 0, "gold_pairs": 0, "pairs_hit": 0, "documents": 0}

    async def one(t) -> None:
        prof = get_profile(t.profile)
        if job.kind in ("model", "best"):
            caller = DirectCaller(gateway, prof, assignment, concurrency=job.concurrency, observer=Observer())
        elif job.kind == "oracle":
            caller = OracleCaller(gateway, prof, sim, concurrency=job.concurrency)
        else:
            caller = learner.caller(prof)
        settings = PipelineSettings(chunk_size=prof.chunk_size, max_carry=prof.chunk_size // 2,
                                    concurrency=job.concurrency)
        pipe = Pipeline(t.stream, prof, TracingCaller(caller, sim, trace), settings, Observer())
        docs = []
        for s in t.sentences:
            docs += [d.to_dict() for d in await pipe.feed(s)]
        docs += [d.to_dict() for d in await pipe.flush()]
        gold = gold_pairs(t.topics)
        totals["gold_topics"] += len(t.topics)
        totals["matched"] += len(match_topics(docs, t.topics))
        totals["gold_pairs"] += len(gold)
        totals["pairs_hit"] += len(gold & predicted_pairs(docs))
        totals["documents"] += len(docs)

    done, barrier = asyncio.Event(), None
    if lockstep_with is not None:
        barrier = asyncio.ensure_future(lockstep(learner.log, lockstep_with[1], learner.log.delay, done))
    clock, real, cpu = loop.time(), time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(t) for t in streams))
    clock, real, cpu = loop.time() - clock, time.perf_counter() - real, time.process_time() - cpu
    epochs = None
    if barrier is not None:  # every process's events reach this one's log before its replica's final state
        done.set()
        epochs = await barrier
    by_role: dict[str, list[float]] = {}
    for e in sim.ledger:
        by_role.setdefault(e.role, []).append(e.latency_s)
    part = {"tally": {k: v for k, v in vars(tally).items()}, "by_chunk": trace.by_chunk, "by_role": trace.by_role,
            "latencies_s": by_role, "totals": totals, "clock_s": clock, "real_s": real, "cpu_s": cpu}
    if learner is not None:  # what the manager would use now, in the last context seen in each language
        part["learner"] = learner.summary(trace.contexts)
        if epochs is not None:
            part["learner"]["epochs"] = epochs
    return part


def _summarize(job: Job, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One configuration's row from its parts (one per process that ran streams of it)."""
    tally = {k: sum(p["tally"][k] for p in parts) for k in parts[0]["tally"] if k != "by_model"}
    by_model: dict[str, int] = {}
    by_chunk: dict[int, list[float]] = {}
    by_role_right: dict[str, list[int]] = {}
    latencies: dict[str, list[float]] = {}
    totals = {k: sum(p["totals"][k] for p in parts) for k in parts[0]["totals"]}
    for p in parts:
        for m, n in p["tally"]["by_model"].items():
            by_model[m] = by_model.get(m, 0) + n
        for c, v in p["by_chunk"].items():
            into = by_chunk.setdefault(c, [0, 0, 0.0])
            for i in range(3):
                into[i] += v[i]
        for r, v in p["by_role"].items():
            into = by_role_right.setdefault(r, [0, 0])
            into[0] += v[0]
            into[1] += v[1]
        for r, v in p["latencies_s"].items():
            latencies.setdefault(r, []).extend(v)
    clock = max(p["clock_s"] for p in parts)  # lock-stepped processes: the run ends with the last one's streams
    wall = clock / job.time_scale  # at nominal latencies
    real = max(p["real_s"] for p in parts)
    cpu = sum(p["cpu_s"] for p in parts)
    latency_sum = math.fsum(x for v in latencies.values() for x in v)
    role_right = sum(v[0] for v in by_role_right.values())
    role_calls = sum(v[1] for v in by_role_right.values())
    chunks = sorted(by_chunk)
    out: dict[str, Any] = {
        "name": job.name, "kind": job.kind, "arg": job.arg,
        "topic_recall": totals["matched"] / max(1, totals["gold_topics"]),
        "aspect_recall": totals["pairs_hit"] / max(1, totals["gold_pairs"]),
        "correct_share": role_right / max(1, role_calls),
        "correct_share_by_role": {r: v[0] / max(1, v[1]) for r, v in by_role_right.items()},
        "cost_usd": tally["cost"], "board_cost_usd": tally["board_cost"],
        "calls": tally["calls"], "board_calls": tally["board_calls"], "role_calls": role_calls,
        "failed_calls": tally["failed"], "input_tokens": tally["tokens_in"], "output_tokens": tally["tokens_out"],
        "calls_by_model": dict(sorted(by_model.items())), **totals,
        "latency_sum_s": latency_sum, "wall_s": wall, "clock": job.clock, "clock_s": clock, "real_s": real,
        "cpu_s": cpu, "hidden": latency_sum / wall if wall else None,
        "cpu_per_wall": cpu / wall if wall else None, "processes": len(parts),
        "latency_by_role_s": {r: _pcts(v) for r, v in latencies.items()},
        "latencies_s": latencies,
        "curve_correct": [by_chunk[c][0] / max(1, by_chunk[c][1]) for c in chunks],
        "curve_cost": [by_chunk[c][2] for c in chunks],
        "curve_calls": [by_chunk[c][1] for c in chunks],
    }
    if "learner" in parts[0]:
        out.update(_merge_learners([p["learner"] for p in parts]))
    return out


def _pcts(values: list[float]) -> dict[str, float]:
    import numpy as np

    p50, p95 = np.percentile(np.asarray(values), [50, 95])
    return {"count": len(values), "p50": float(p50), "p95": float(p95), "sum": math.fsum(values)}


# ---------------------------------------------------------------------------------------------- command line
def jobs_for(args: argparse.Namespace) -> list[Job]:
    from olp.bench.simpool import MODELS

    models = [m.strip() for m in args.models.split(",") if m.strip()] or list(MODELS)
    managers = [m.strip() for m in args.managers.split(",") if m.strip()]
    for m in [*models, args.judge]:
        if m not in MODELS:
            from olp.errors import unknown_name

            raise unknown_name("simulated model", m, list(MODELS))
    if managers:
        from role_rl.managers import MANAGERS

        for m in managers:
            if m not in MANAGERS:
                from olp.errors import unknown_name

                raise unknown_name("manager", m, list(MANAGERS))
    if args.streams < 1 or args.sentences < 1:
        raise ConfigError("--streams and --sentences must be at least 1")
    if args.time_scale <= 0:
        raise ConfigError("--time-scale must be positive (0.01: latencies are slept at 1%)")
    common = dict(streams=args.streams, sentences=args.sentences, time_scale=args.time_scale, seed=args.seed,
                  zh_share=args.zh_share, judge=args.judge, audit=args.audit, rl_caller=args.rl_caller,
                  clock=args.clock)
    jobs = [Job(f"all {m}", "model", m, **common) for m in models]
    if not args.no_oracle:
        jobs.append(Job("best model per role", "best", "", **common))
        jobs.append(Job("oracle", "oracle", "", **common))
    jobs += [Job(f"Role-RL ({m})", "rl", m, **common) for m in managers]
    return jobs


def run_jobs(jobs: list[Job], workers: int) -> list[dict[str, Any]]:
    """Run the jobs, in worker processes when ``workers`` > 1; results in job order."""
    if workers <= 1 or len(jobs) == 1:
        return [run_job(j) for j in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # heaviest first, so the last job to start is a short one
    order = sorted(range(len(jobs)), key=lambda i: (jobs[i].kind != "rl", jobs[i].kind != "oracle"))
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
        futures = {i: ex.submit(run_job, jobs[i]) for i in order}
        return [futures[i].result() for i in range(len(jobs))]


def _counts(text: str, flag: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{flag} takes comma-separated whole numbers, e.g. 1,10,100") from None
    if not values or min(values) < 1:
        raise ConfigError(f"{flag} takes comma-separated numbers of at least 1, e.g. 1,10,100")
    return values


def learning_jobs(args: argparse.Namespace) -> list[Job]:
    """The learning-cost table's jobs: per stream count, all-claude, the best fixed model per role, and Role-RL
    with each number of workers sharing the learner."""
    from olp.bench.simpool import MODELS

    base = jobs_for(args)  # checks the common flags
    counts = _counts(args.stream_counts, "--stream-counts")
    workers = _counts(args.learner_workers, "--learner-workers")
    managers = sorted({j.arg for j in base if j.kind == "rl"}, key=[j.arg for j in base].index)
    if not managers:
        raise ConfigError("--stream-counts needs a Role-RL manager (--managers bandit)")
    if args.feedback_delay < 0:
        raise ConfigError("--feedback-delay must be at least 0")
    if max(workers) > 1 and args.clock != "virtual":
        raise ConfigError("--learner-workers above 1 runs worker processes in lock-step on virtual clocks; "
                          "use --clock virtual (the default) or --learner-workers 1")
    if max(workers) > 1 and args.feedback_delay <= 0:
        raise ConfigError("--learner-workers above 1 needs --feedback-delay above 0: the worker processes exchange "
                          "feedback once per delay (e.g. 0.1)")
    common = dict(sentences=args.sentences, time_scale=args.time_scale, seed=args.seed, zh_share=args.zh_share,
                  judge=args.judge, audit=args.audit, rl_caller="role_rl", clock=args.clock,
                  feedback_delay_s=args.feedback_delay)
    claude = next(m for m in MODELS if m.startswith("claude"))
    jobs = []
    for n in counts:
        jobs.append(Job(f"all {claude} @{n}", "model", claude, streams=n, **common))
        jobs.append(Job(f"best model per role @{n}", "best", "", streams=n, **common))
        jobs += [Job(f"Role-RL ({m}), {w} worker(s) @{n}", "rl", m, streams=n, replicas=w, **common)
                 for m in managers for w in workers]
    return jobs


def run_learning(args: argparse.Namespace) -> int:
    """``olp bench scale --stream-counts 1,10,100``: what learning costs per stream as streams share a learner."""
    from olp.bench.common import emit, md_table

    jobs = learning_jobs(args)
    started = time.perf_counter()
    results = run_jobs(jobs, args.workers)
    elapsed = time.perf_counter() - started
    by_name = {r["name"]: r for r in results}
    rows, table = [], []
    for job, r in zip(jobs, results):
        if job.kind != "rl":
            continue
        n = job.streams
        claude = next(x for x in results if x["kind"] == "model" and x["name"].endswith(f"@{n}"))
        best = by_name[f"best model per role @{n}"]
        board, explore = r["board_cost_usd"], r.get("exploration_cost_usd", 0.0)
        row = {"manager": job.arg, "streams": n, "workers": job.replicas, "topic_recall": r["topic_recall"],
               "aspect_recall": r["aspect_recall"], "cost_usd": r["cost_usd"], "board_cost_usd": board,
               "board_calls": r["board_calls"], "exploration_calls": r.get("exploration_calls", 0),
               "exploration_cost_usd": explore, "learning_cost_per_stream_usd": (board + explore) / n,
               "learning_share": (board + explore) / r["cost_usd"] if r["cost_usd"] else None,
               "all_claude_usd": claude["cost_usd"], "best_fixed_usd": best["cost_usd"],
               "best_fixed_topic_recall": best["topic_recall"], "replicas_agree": r.get("replicas_agree"),
               "feedback_events": r.get("feedback_events"), "final_assignment": r.get("final_assignment")}
        rows.append(row)
        table.append([job.arg, n, job.replicas, r["topic_recall"], r["aspect_recall"], r["board_calls"] / n,
                      board / n, row["exploration_calls"] / n, explore / n, row["learning_cost_per_stream_usd"],
                      f"{100 * (row['learning_share'] or 0):.1f}%", r["cost_usd"], claude["cost_usd"],
                      best["cost_usd"], "yes" if row["replicas_agree"] else "no"])
    header = ["manager", "streams", "workers", "topic recall", "aspect recall", "board calls/stream",
              "board USD/stream", "exploration calls/stream", "exploration USD/stream", "learning USD/stream",
              "learning share", "Role-RL USD", "all-claude USD", "best fixed USD", "replicas agree"]
    lines = [
        f"Learning cost as streams share one learner: {args.sentences:,} sentences per stream, simulated pool, "
        f"{args.clock} clock, seed {args.seed}, feedback reaches every worker after {args.feedback_delay:g} s",
        "", md_table(header, table), "",
        "learning = board + exploration. Workers: each holds its own replica of the learner (manager, board, audit "
        "policy) for its share of the streams; every judged call's feedback goes to one ordered log that every "
        "replica applies, as `olp worker --manager` does through the olp-feedback topic (without Kafka: 1 worker "
        "in one process, more as OS processes exchanging feedback in lock-step). all-claude and best fixed: the same streams with a fixed assignment, no board.",
        f"Run time {elapsed:.0f} s with {args.workers} process(es).",
    ]
    payload = {"benchmark": "scale-learning", "sentences": args.sentences, "seed": args.seed, "clock": args.clock,
               "feedback_delay_s": args.feedback_delay, "elapsed_s": elapsed, "rows": rows,
               "configurations": {r["name"]: {k: v for k, v in r.items() if k not in _BULKY} for r in results}}
    emit(args, "\n".join(lines), payload)
    return 0


def run(args: argparse.Namespace) -> int:
    from olp.bench.common import emit, md_table

    if args.stream_counts:
        return run_learning(args)
    jobs = jobs_for(args)
    started = time.perf_counter()
    results = run_jobs(jobs, args.workers)
    elapsed = time.perf_counter() - started
    estimate = elapsed * (FULL_STREAMS * FULL_SENTENCES) / (args.streams * args.sentences)
    zh = sum(_is_zh(k, args.zh_share) for k in range(args.streams))
    rows = []
    for r in results:
        rows.append([r["name"], r["topic_recall"], r["aspect_recall"], r["correct_share"], r["cost_usd"],
                     r["board_cost_usd"], r["calls"], r["latency_sum_s"] / 3600.0,
                     _maybe(r["wall_s"], 1 / 3600.0), _maybe(r["hidden"], 1.0, "x"), r["cpu_s"],
                     _maybe(r["cpu_per_wall"], 1.0)])
    header = ["configuration", "topic recall", "aspect recall", "role calls right", "cost USD", "board USD", "calls",
              "Σ model latency h", "wall h", "hidden", "CPU s", "CPU/wall"]
    rl = next((r.get("rl_caller") for r in results if r.get("rl_caller")), None)
    clock = ("virtual clock (deterministic; code takes no time)" if args.clock == "virtual"
             else f"real clock, latencies slept at {args.time_scale:g}")
    lines = [
        f"Scale: {args.streams} concurrent streams ({args.streams - zh} EN, {zh} ZH) x {args.sentences:,} sentences, "
        f"simulated pool, {clock}, seed {args.seed}" + (f"; Role-RL caller: {rl}" if rl else ""),
        "",
        md_table(header, rows),
        "",
        "Σ model latency: every call's nominal latency (judges included). wall: the run's wall time at nominal "
        "latencies" + (" (the virtual clock's elapsed time: latency-bound, CPU-free)" if args.clock == "virtual"
                       else " (real elapsed / time scale: CPU time is scaled up too)")
        + ". hidden = Σ latency / wall: calls waited on at once, on average. CPU s: this process's CPU time for "
        "the run (litellm, gateway, pipeline, simulated pool); CPU/wall: cores one process would need to keep "
        "up at nominal latencies.",
        f"Run time {elapsed:.0f} s with {args.workers} worker process(es)"
        + (" (the full size)." if args.streams * args.sentences >= FULL_STREAMS * FULL_SENTENCES else
           f"; the full size ({FULL_STREAMS} x {FULL_SENTENCES:,}) would take about {estimate / 60:.0f} min at "
           "the same rate."),
    ]
    for r in results:
        if r["kind"] != "rl":
            continue
        learning = [f"{key.replace('_', ' ')} {r[key]:,.4g}" for key in (
            "exploration_calls", "exploration_cost_usd", "audited_calls", "corrections", "assignment_changes")
            if key in r]
        lines.append(f"{r['name']}: board calls {r['board_calls']:,}, " + ", ".join(learning))
        for lang, a in (r.get("final_assignment") or {}).items():
            lines.append(f"{r['name']} final assignment ({lang}): " + ", ".join(f"{k}={v}" for k, v in a.items()))
    payload = {
        "benchmark": "scale", "streams": args.streams, "sentences": args.sentences, "zh_streams": zh,
        "time_scale": args.time_scale, "clock": args.clock, "seed": args.seed, "workers": args.workers,
        "elapsed_s": elapsed, "full_size_estimate_s": estimate,
        "configurations": {r["name"]: {k: v for k, v in r.items() if k not in _BULKY} for r in results},
    }
    if args.plots:
        payload["plots"] = plots(results, args.plots)
        lines.append("plots: " + ", ".join(payload["plots"]))
    emit(args, "\n".join(lines), payload)
    return 0


_BULKY = ("latencies_s", "curve_correct", "curve_cost", "curve_calls")


def _maybe(value: float | None, scale: float, suffix: str = "") -> Any:
    if value is None:
        return "—"
    return f"{value * scale:.1f}{suffix}" if suffix else value * scale


def _is_zh(k: int, share: float) -> bool:
    """Stream ``k`` is Chinese: spreads ``share`` of the streams evenly (0.5: every second one)."""
    return math.floor((k + 1) * share) > math.floor(k * share)


def plots(results: list[dict[str, Any]], folder: str) -> list[str]:
    """Recall against cost (one point per configuration), learning curves, latency histograms."""
    from olp.bench.plots import latency_histograms, learning_curves, recall_cost_plot

    configs = {r["name"]: r for r in results}
    out = [
        recall_cost_plot(configs, "topic_recall", f"{folder}/scale-topic-recall-cost.png",
                         "Scale: topic recall vs cost (simulated pool)"),
        recall_cost_plot(configs, "aspect_recall", f"{folder}/scale-aspect-recall-cost.png",
                         "Scale: aspect recall vs cost (simulated pool)"),
        learning_curves({r["name"]: _running(r["curve_correct"]) for r in results},
                        f"{folder}/scale-learning-correct.png", "Share of role calls answered right (running mean)",
                        "right share"),
        _cost_curves(results, f"{folder}/scale-learning-cost.png"),
    ]
    for r in results:
        if r["kind"] != "model":
            slug = r["name"].lower().replace(" ", "-").replace("(", "").replace(")", "")
            ms = {role: [1000.0 * x for x in v] for role, v in r["latencies_s"].items()}
            out.append(latency_histograms(ms, f"{folder}/scale-latency-{slug}.png",
                                          f"{r['name']}: nominal call latency per role (ms)"))
    return out


def _cost_curves(results: list[dict[str, Any]], path: str) -> str:
    """Cost per chunk index of the adaptive configurations, as a multiple of the oracle's when it ran (streams of
    different lengths and languages end at different chunk indices; the ratio removes that)."""
    from olp.bench.plots import learning_curves

    oracle = next((r["curve_cost"] for r in results if r["kind"] == "oracle"), None)
    chosen = [r for r in results if r["kind"] in ("rl", "best")]
    if oracle is None:
        return learning_curves({r["name"]: r["curve_cost"] for r in chosen}, path,
                               "Cost per chunk index, all streams (USD)", "USD")
    # the last chunk indices are reached by a few long streams only: keep those most streams reach
    calls = next(r["curve_calls"] for r in results if r["kind"] == "oracle")
    keep = next((i for i, n in enumerate(calls) if n < 0.5 * max(calls)), len(calls))
    curves = {r["name"]: [c / o for c, o in zip(r["curve_cost"][:keep], oracle[:keep]) if o > 0] for r in chosen}
    return learning_curves(curves, path, "Cost per chunk index, as a multiple of the oracle's", "cost / oracle cost")


def _running(values: list[float]) -> list[float]:
    out, total = [], 0.0
    for i, v in enumerate(values, 1):
        total += v
        out.append(total / i)
    return out
