"""What the benchmarks share: running a pipeline over a list of sentences and collecting what it did."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from olp.observer import Observer
from olp.poolfile import PoolConfig, load_pool
from olp.profiles import Profile, get_profile
from olp.settings import PipelineSettings
from olp.types import ROLES, CallRecord, Sentence


def common_arguments(p, plots: bool = True) -> None:
    """The options every dataset benchmark takes."""
    p.add_argument("--pool", help="pool file (default: the offline local engines)")
    p.add_argument("--chunk-size", type=int, help="sentences per chunk (default: the profile's)")
    p.add_argument("--manager", action="append", help="Role-RL configuration(s) to run (repeatable; default bandit)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    if plots:
        p.add_argument("--plots", metavar="DIR", help="write PNG plots here")


class Recorder(Observer):
    """Keeps every call record and document dict of a run."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []
        self.docs: list[dict[str, Any]] = []
        self.assignments: list[tuple[str, str]] = []
        self.rewards: list[float] = []

    def on_call(self, record: CallRecord) -> None:
        self.records.append(record)

    def on_document(self, doc) -> None:
        self.docs.append(doc.to_dict())

    def on_assignment(self, role: str, model: str, previous: str | None, pool: list[str]) -> None:
        self.assignments.append((role, model))

    def on_reward(self, role: str, model: str, reward: float) -> None:
        self.rewards.append(reward)


@dataclass
class RunResult:
    """One configuration's run over one stream."""

    docs: list[dict[str, Any]]
    records: list[CallRecord]
    wall_s: float
    cpu_s: float
    sentences: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cost_usd(self) -> float:
        return sum(r.cost_usd for r in self.records)


def with_assignment(pool: PoolConfig, model: str) -> PoolConfig:
    """The pool with every role played by ``model`` (and no fallbacks, so the configuration stays pure)."""
    pool.spec(model)
    return dataclasses.replace(pool, assignment={r: model for r in ROLES}, fallbacks={})


async def run_stream(
    sentences: list[Sentence],
    profile: str | Profile,
    pool: PoolConfig | None = None,
    *,
    chunk_size: int | None = None,
    manager: str | None = None,
    stream: str = "bench",
    caller=None,
) -> RunResult:
    """Run one stream through a fresh pipeline; measure wall and CPU time."""
    from olp.caller import DirectCaller
    from olp.gateway import Gateway
    from olp.pipeline import Pipeline

    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    pool = pool or load_pool(None)
    rec = Recorder()
    settings = PipelineSettings.for_chunk(chunk_size or prof.chunk_size)
    if caller is None:
        gateway = Gateway(pool, observer=rec)
        if manager:
            from role_rl.caller import build_rl_caller

            caller = build_rl_caller(gateway, prof, manager, observer=rec, concurrency=settings.concurrency)
        else:
            caller = DirectCaller(gateway, prof, concurrency=settings.concurrency, observer=rec)
    pipe = Pipeline(stream, prof, caller, settings, rec)
    wall, cpu = time.perf_counter(), time.process_time()
    for s in sentences:
        await pipe.feed(s)
    await pipe.flush()
    return RunResult(rec.docs, rec.records, time.perf_counter() - wall, time.process_time() - cpu, len(sentences),
                     {"rewards": rec.rewards})


def emit(args, table_md: str, payload: dict[str, Any]) -> None:
    """Print the markdown table, or the JSON object with ``--json``."""
    if getattr(args, "json", False):
        json.dump(payload, sys.stdout, ensure_ascii=False, default=float)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(table_md.rstrip() + "\n")


def md_table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4g}" if abs(v) < 1e-3 and v else f"{v:.3f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


class WrappingCaller:
    """A role caller that hands every call to ``inner`` and keeps no state of its own: subclasses override
    ``call`` to do something around it (apply a worker's feedback first, shadow the call on other models)."""

    def __init__(self, inner) -> None:
        self.inner, self.profile = inner, inner.profile

    @property
    def usage(self):
        return self.inner.usage

    async def call(self, role, inp, ctx):
        return await self.inner.call(role, inp, ctx)

    def assignment(self) -> dict[str, str]:
        return self.inner.assignment()

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class RandomCaller:
    """Plays every role call with a model drawn uniformly from the pool (seeded): the random-assignment baseline."""

    def __init__(self, gateway, profile: Profile, seed: int = 0, concurrency: int = 16) -> None:
        import asyncio
        import random

        from olp.caller import ask

        self._ask, self.gateway, self.profile = ask, gateway, profile
        self.rng = random.Random(seed)
        self.models = gateway.pool.names
        self._sem = asyncio.Semaphore(concurrency)
        self._last: dict[str, str] = {}

    async def call(self, role, inp, ctx):
        model = self.rng.choice(self.models)
        self._last[role.name] = model
        async with self._sem:
            return await self._ask(self.gateway, role, inp, self.profile, [model])

    def assignment(self) -> dict[str, str]:
        return dict(self._last)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


@dataclass(frozen=True)
class Config:
    """One benchmark configuration: how every role is played.

    ``kind`` is ``model`` (one pool model in every role), ``random``, ``rl`` (a Role-RL manager),
    ``whole`` (one model, the whole text as one chunk: non-OLP) or ``window`` (fixed 300-word windows, no model).
    """

    name: str
    kind: str
    arg: str = ""


def configurations(pool: PoolConfig, managers: list[str], whole_model: str | None) -> list[Config]:
    configs = [Config(f"all {m}", "model", m) for m in pool.names]
    if len(pool.names) > 1:
        configs.append(Config("random assignment", "random"))
    configs += [Config(f"Role-RL ({m})", "rl", m) for m in managers]
    if whole_model:
        configs.append(Config(f"whole text, {whole_model} (non-OLP)", "whole", whole_model))
    configs.append(Config("fixed window (300 words)", "window"))
    return configs


def predictor(config: Config, pool: PoolConfig, sink: list[RunResult], chunk_size: int | None = None, seed: int = 0):
    """A ``predict(sentences, profile, stream)`` for the evaluation harness that records each run in ``sink``."""
    from olp.gateway import Gateway

    async def predict(sentences: list[Sentence], profile: str, stream: str):
        prof = get_profile(profile)
        if config.kind == "window":
            from olp.evaluation.baselines import fixed_window_topics

            docs = fixed_window_topics(sentences, 300, prof.aspect_labels, stream=stream, profile=profile)
            sink.append(RunResult(docs, [], 0.0, 0.0, len(sentences)))
            return docs
        if config.kind == "random":
            rec = Recorder()
            caller = RandomCaller(Gateway(pool, observer=rec), prof, seed=seed)
            result = await run_stream(sentences, prof, pool, chunk_size=chunk_size, stream=stream, caller=caller)
            result.records = rec.records
        elif config.kind == "rl":
            result = await run_stream(sentences, prof, pool, chunk_size=chunk_size, manager=config.arg, stream=stream)
        else:
            one = with_assignment(pool, config.arg)
            size = max(2, len(sentences)) if config.kind == "whole" else chunk_size
            result = await run_stream(sentences, prof, one, chunk_size=size, stream=stream)
        sink.append(result)
        return result.docs

    return predict


def cost_latency_summary(results: list[RunResult]) -> dict[str, Any]:
    """Cost, call latency p50/p95 per role, and time to document over a configuration's runs."""
    from olp.evaluation.latency import latency_by_role, summarize

    records = [r for res in results for r in res.records]
    docs = [d for res in results for d in res.docs]
    ttd = summarize(d["time_to_document_ms"] for d in docs if d.get("time_to_document_ms") is not None)
    return {
        "cost_usd": sum(r.cost_usd for r in records),
        "calls": len(records),
        "latency_ms": {role: {"p50": s.p50, "p95": s.p95} for role, s in latency_by_role(records).items()},
        "time_to_document_ms_p50": ttd.p50 if ttd else None,
        "time_to_document_ms_p95": ttd.p95 if ttd else None,
        "wall_s": sum(r.wall_s for r in results),
    }


def write_plots(plots_dir: str, bench: str, configs: dict[str, Any], runs: dict[str, list[RunResult]],
                metric: str, title: str) -> list[str]:
    """Recall (or similarity) against cost, latency histograms per role, and Role-RL learning curves."""
    from olp.bench.plots import latency_histograms, learning_curves, recall_cost_plot

    out = [recall_cost_plot(configs, metric, f"{plots_dir}/{bench}-recall-cost.png", title)]
    for name, results in runs.items():
        if name.startswith("all "):
            lat: dict[str, list[float]] = {}
            for res in results:
                for r in res.records:
                    lat.setdefault(r.role, []).append(r.latency_ms)
            slug = name.split()[-1]
            out.append(latency_histograms(lat, f"{plots_dir}/{bench}-latency-{slug}.png", f"{bench}: call latency, {name}"))
    curves = {}
    for name, results in runs.items():
        rewards = [x for res in results for x in res.extra.get("rewards", [])]
        if rewards:
            window = max(1, len(rewards) // 50)
            curves[name] = [sum(rewards[max(0, i - window + 1): i + 1]) / min(window, i + 1) for i in range(len(rewards))]
    if curves:
        out.append(learning_curves(curves, f"{plots_dir}/{bench}-learning.png", f"{bench}: Role-RL reward (running mean)",
                                   "reward"))
    return out
