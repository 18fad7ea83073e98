"""``olp bench llm``: a real LLM (llama.cpp's server, ``scripts/llm-dev``) against the local engines, per role, on
labelled OLP-MINI transcripts, and what Role-RL makes of the choice.

Every configuration runs each file through the pipeline with one call at a time (a llama.cpp server answers one
request at a time: concurrent calls would only queue, and their latency would count the queue):

- **per role, same inputs**: the pipeline runs with local-quality in every role; each role call is also put to
  every model of the pool, the LLM once with its schema and once without (plain instructions), on a gateway of
  its own. Those answers are only counted (valid as sent, repaired, unparsable; ``olp.structured``) and timed.
- **per role, recall**: local-quality in every role but one, played by the model; product recall
  (``olp.evaluation.products``) of the documents.
- **fixed assignments**: one model in every role; and **Role-RL**: ``--manager`` over the whole pool, audited
  by the pool's judges, as ``olp run --manager bandit --pool olp/pools/local-llm.yaml`` runs it.

Prompt and generation speeds are the server's own (its log's ``llama_perf_context_print`` lines, read when the
server was started by ``scripts/llm-dev`` on this machine; a prompt prefix the server has cached is not evaluated
again and does not count). The local engines have no such phases: their p50 latency says it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import re
import time
from pathlib import Path
from typing import Any

from olp.bench.common import WrappingCaller
from olp.types import ROLES

BASELINE = "local-quality"
NO_SCHEMA = " (no schema)"
PLAIN_MAX = 256  # generated tokens at most, for the LLM without its schema
_PERF = re.compile(r"llama_perf_context_print: +(prompt eval|eval|total) time = +([\d.]+) ms / +(\d+) (?:tokens|runs)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pool", default=None, help="pool file (default: the bundled local-llm pool)")
    p.add_argument("--llm", default="llm", help="the pool model that is the LLM (default llm)")
    p.add_argument("--api-base", help="the LLM's base URL, e.g. http://127.0.0.1:8765/v1 (default: the pool file's)")
    p.add_argument("--server-log", help="the llama.cpp server's log, for its prompt and generation speeds "
                                        "(default: scripts/llm-dev's log for the api_base's port)")
    p.add_argument("--timeout", type=float, default=300.0,
                   help="seconds per call (default 300: the pool's 60 s is for live use; a busy CPU is slower)")
    p.add_argument("--max-tokens", type=int, default=None,
                   help="cap the LLM's generated tokens per answer (default: each role's own; a capped answer that "
                        "is cut off counts as unparsable)")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.add_argument("--files", type=int, default=2, help="labelled files, shortest first (default 2)")
    p.add_argument("--chunk-size", type=int, default=30, help="sentences per chunk (default 30)")
    p.add_argument("--manager", default="bandit", help="Role-RL manager (default bandit)")
    p.add_argument("--skip", action="append", default=[], choices=("roles", "recall", "fixed", "rl"),
                   help="leave out a part (repeatable)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of tables")
    p.add_argument("--render", nargs="+", metavar="JSON", help="print the tables of saved --json outputs (merged)")


def llm_pool(path: str | None, llm: str, api_base: str | None, timeout_s: float | None = None,
             max_tokens: int | None = None):
    """The pool, the LLM pointed at ``api_base``, plus ``LLM (no schema)``: the same server without the schema."""
    from olp.poolfile import load_pool

    pool = load_pool(path or Path(__file__).parents[1] / "pools" / "local-llm.yaml")
    spec = pool.spec(llm)
    if api_base:
        spec = dataclasses.replace(spec, litellm_params={**spec.litellm_params, "api_base": api_base})
    if max_tokens:
        spec = dataclasses.replace(spec, litellm_params={**spec.litellm_params, "max_tokens": max_tokens})
    # Without a grammar a small model rambles on to max_tokens (2,048 for the organizer: minutes on a CPU); a
    # well-formed answer of any role here is far shorter than 256 tokens, and the parser reads the first JSON value.
    plain = dataclasses.replace(spec, name=llm + NO_SCHEMA,
                                litellm_params={**spec.litellm_params,
                                                "max_tokens": min(PLAIN_MAX, max_tokens or PLAIN_MAX)},
                                model_info={**spec.model_info, "supports_response_schema": False})
    models = {**pool.models, llm: spec, plain.name: plain}
    return dataclasses.replace(pool, models=models, timeout_s=timeout_s or pool.timeout_s)


def fixed(pool, assignment: dict[str, str]):
    """The pool with this assignment (others: local-quality) and no fallbacks: each configuration stays pure."""
    return dataclasses.replace(pool, assignment={r: assignment.get(r, BASELINE) for r in ROLES}, fallbacks={})


class Shadow(WrappingCaller):
    """A role caller that answers with ``inner`` and also puts each call to ``models`` on a gateway of its own."""

    def __init__(self, inner, gateway, models: list[str]) -> None:
        super().__init__(inner)
        self.gateway, self.models = gateway, models
        self._one = asyncio.Lock()  # one call at a time: the server's log lines then follow the records' order

    async def call(self, role, inp, ctx):
        from olp.caller import ask
        from olp.errors import BadModelOutputError

        async with self._one:
            for model in self.models:
                try:
                    await ask(self.gateway, role, inp, self.profile, [model])
                except BadModelOutputError:
                    pass  # a role without a safe answer (the locator): counted as unparsable, the run goes on
            return await self.inner.call(role, inp, ctx)


async def run_file(pool, sentences, profile: str, name: str, chunk_size: int, *, manager: str | None = None,
                   shadow_models: list[str] | None = None, seed: int = 0) -> dict[str, Any]:
    """One configuration on one file, one call at a time."""
    from olp.bench.common import Recorder, run_stream
    from olp.caller import DirectCaller
    from olp.gateway import Gateway
    from olp.observer import Observers
    from olp.profiles import get_profile
    from role_rl.pool import PoolStats

    prof = get_profile(profile)
    rec, shadow_rec, shadow_stats = Recorder(), Recorder(), PoolStats()
    gateway = Gateway(pool, observer=rec)
    if manager:
        from role_rl.caller import build_rl_caller

        caller = build_rl_caller(gateway, prof, manager, observer=rec, concurrency=1, seed=seed)
    else:
        caller = DirectCaller(gateway, prof, concurrency=1, observer=rec)
    if shadow_models:
        caller = Shadow(caller, Gateway(pool, observer=Observers(shadow_rec, shadow_stats)), shadow_models)
    result = await run_stream(sentences, prof, pool, chunk_size=chunk_size, stream=name, caller=caller)
    return {"docs": result.docs, "records": rec.records, "wall_s": result.wall_s, "assignment": caller.assignment(),
            "shadow_records": shadow_rec.records,
            "shadow_answers": {m: s.answers for m, s in shadow_stats.models.items()}}


def server_perf(log: Path | None, offset: int) -> list[tuple[float, int, float, int]]:
    """(prompt ms, prompt tokens, generation ms, generated tokens) per request in the log after ``offset`` bytes.

    Generation time is the request's total less its prompt evaluation: it includes sampling under the schema's
    grammar, which llama.cpp's ``eval time`` leaves out and which, with Gemma 3's 262k-token vocabulary, took
    longer than the evaluation itself here.
    """
    if log is None or not log.is_file():
        return []
    out: list[tuple[float, int, float, int]] = []
    prompt: tuple[float, int] | None = None
    generated = 0
    with log.open("rb") as f:
        f.seek(offset)
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = _PERF.search(line)
            if not m:
                continue
            kind, ms, n = m.group(1), float(m.group(2)), int(m.group(3))
            if kind == "prompt eval":
                prompt, generated = (ms, n), 0
            elif kind == "eval":
                generated = n
            elif prompt is not None:
                out.append((*prompt, max(0.0, ms - prompt[0]), generated))
                prompt = None
    return out


def _log_path(args, pool) -> Path | None:
    if args.server_log:
        return Path(args.server_log)
    base = str(pool.spec(args.llm).litellm_params.get("api_base") or "")
    m = re.search(r":(\d+)", base.split("//", 1)[-1])
    return Path(f"/tmp/olp-llm-dev-{m.group(1)}/server.log") if m else None


def _p50(values: list[float]) -> float | None:
    from olp.evaluation.latency import summarize

    s = summarize(values)
    return s.p50 if s else None


def run(args: argparse.Namespace) -> int:
    if args.render:
        import json

        payload: dict[str, Any] = {}
        for path in args.render:
            payload.update(json.loads(Path(path).read_text(encoding="utf-8")))
        print(render(payload))
        return 0
    from olp.bench.common import emit
    from olp.datasets import olp_mini
    from olp.evaluation.products import Counts, load_labels, score_transcript
    from olp.settings import olp_mini_dir

    pool = llm_pool(args.pool, args.llm, args.api_base, args.timeout, args.max_tokens)
    llm, plain = args.llm, args.llm + NO_SCHEMA
    engines = [m for m in pool.names if m not in (llm, plain)]
    labels = load_labels(args.lang)
    paths = {olp_mini.stream_id(p): p for p in olp_mini.list_files(args.lang)}
    files = sorted((n for n in labels if n in paths), key=lambda n: (len(olp_mini.load(paths[n])), n))[:args.files]
    texts = {n: olp_mini.load(paths[n]) for n in files}
    profile = f"ecommerce-{args.lang}"
    log = _log_path(args, pool)

    def score(runs: dict[str, dict]) -> dict[str, Any]:
        total = Counts()
        for n, r in runs.items():
            t = labels[n]
            have = {s.id for s in texts[n]}
            t = type(t)(t.name, t.stream, [type(p)(p.name, p.price, frozenset(p.ids & have)) for p in t.products])
            total.add(score_transcript(r["docs"], t))
        records = [x for r in runs.values() for x in r["records"]]
        return {**total.scores(), "cost_usd": sum(x.cost_usd for x in records), "calls": len(records),
                "latency_ms_p50": _p50([x.latency_ms for x in records]),
                "wall_s": sum(r["wall_s"] for r in runs.values())}

    def run_all(config_pool, **kw) -> dict[str, dict]:
        return {n: asyncio.run(run_file(config_pool, texts[n], profile, n, args.chunk_size, **kw)) for n in files}

    payload = {"benchmark": "llm", "files": files, "lang": args.lang, "chunk_size": args.chunk_size,
                               "models": pool.names}
    started = time.perf_counter()

    if "roles" not in args.skip:
        offset = log.stat().st_size if log and log.is_file() else 0
        runs = run_all(fixed(pool, {}), shadow_models=[*engines, llm, plain])
        perf = server_perf(log, offset)
        records = [x for r in runs.values() for x in r["shadow_records"]]
        llm_calls = [x for x in records if x.model in (llm, plain)]
        by_call = dict(zip(map(id, llm_calls), perf)) if len(perf) == len(llm_calls) else {}
        per_role: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            for model in [*engines, llm, plain]:
                mine = [x for x in records if x.role == role and x.model == model]
                answers: dict[str, int] = {}
                for r in runs.values():
                    for outcome, n in r["shadow_answers"].get(model, {}).get(role, {}).items():
                        answers[outcome] = answers.get(outcome, 0) + n
                row: dict[str, Any] = {"calls": len(mine), "answers": answers,
                                       "latency_ms_p50": _p50([x.latency_ms for x in mine]),
                                       "input_tokens": sum(x.input_tokens for x in mine),
                                       "output_tokens": sum(x.output_tokens for x in mine)}
                timed = [by_call[id(x)] for x in mine if id(x) in by_call]
                if timed:  # the server's own timings (cached prompt prefixes are not evaluated again)
                    pms, ptok, gms, gtok = (sum(t[i] for t in timed) for i in range(4))
                    row["prompt_tok_s"] = ptok / pms * 1000 if pms else None
                    row["gen_tok_s"] = gtok / gms * 1000 if gms else None
                per_role.setdefault(role, {})[model] = row
        payload["per_role"] = per_role
        payload["server_timings_matched"] = bool(by_call)

    recall: dict[str, dict[str, float]] = {}
    if "recall" not in args.skip:
        base = score(run_all(fixed(pool, {})))
        for role in ROLES:
            recall[role] = {BASELINE: base["recall"]}
            for model in [m for m in [*engines, llm] if m != BASELINE]:
                recall[role][model] = score(run_all(fixed(pool, {role: model})))["recall"]
        payload["recall_with_one_role"] = recall

    if "fixed" not in args.skip or "rl" not in args.skip:
        configs: dict[str, dict[str, Any]] = {}
        if "fixed" not in args.skip:
            for model in [*engines, llm, plain]:
                configs[f"all {model}"] = score(run_all(fixed(pool, {r: model for r in ROLES})))
        if "rl" not in args.skip:
            rl_pool = dataclasses.replace(pool, models={k: v for k, v in pool.models.items() if k != plain})
            runs = run_all(rl_pool, manager=args.manager)
            configs[f"Role-RL ({args.manager})"] = {**score(runs), "assignment": runs[files[-1]]["assignment"]}
            calls: dict[str, dict[str, int]] = {}
            for r in runs.values():
                for x in r["records"]:
                    if x.role in ROLES:
                        calls.setdefault(x.role, {}).setdefault(x.model, 0)
                        calls[x.role][x.model] += 1
            configs[f"Role-RL ({args.manager})"]["calls_by_role"] = calls
        payload["configurations"] = configs
    payload["bench_wall_s"] = time.perf_counter() - started

    emit(args, render(payload), payload)
    return 0


def render(payload: dict[str, Any]) -> str:
    """The tables of a run's JSON (or of several runs' JSON merged: ``--render``)."""
    from olp.bench.common import md_table

    tables: list[str] = []
    recall = payload.get("recall_with_one_role", {})
    if "per_role" in payload:
        rows = []
        for role, models in payload["per_role"].items():
            for model, r in models.items():
                a = r["answers"]
                n = sum(a.get(k, 0) for k in ("valid", "repaired", "unparsable")) or 1  # answers that arrived
                rows.append([role, model, r["calls"], f"{a.get('valid', 0) / n:.0%}", f"{a.get('repaired', 0) / n:.0%}",
                             f"{a.get('unparsable', 0) / n:.0%}",
                             _fmt(recall.get(role, {}).get(model)),
                             _fmt(r["latency_ms_p50"], 0), _fmt(r.get("prompt_tok_s"), 0), _fmt(r.get("gen_tok_s"), 0)])
        tables.append(md_table(["role", "model", "answers", "valid", "repaired", "unparsable", "recall (this role)",
                                "p50 ms", "prompt tok/s", "gen tok/s"], rows))
    if payload.get("configurations"):
        rows = [[name, _fmt(c["recall"]), _fmt(c["precision"]), c["documents"], c["calls"], f"{c['cost_usd']:.2e}",
                 _fmt(c["latency_ms_p50"], 0), _fmt(c["wall_s"], 1)] for name, c in payload["configurations"].items()]
        tables.append(md_table(["configuration", "recall", "precision", "documents", "calls", "cost USD",
                                "call p50 ms", "wall s"], rows))
        for name, c in payload["configurations"].items():
            if "assignment" in c:
                assigned = ", ".join(f"{r}={m}" for r, m in c["assignment"].items())
                calls_by_role = "; ".join(f"{r}: " + ", ".join(f"{m} {k}" for m, k in sorted(ms.items()))
                                          for r, ms in c["calls_by_role"].items())
                tables.append(f"{name}, assignment at the end: {assigned}\ncalls per role and model: {calls_by_role}")
    return "\n\n".join(tables) or "(nothing run)"


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
