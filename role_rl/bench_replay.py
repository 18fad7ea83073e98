"""``olp bench replay``: learn role assignment on the authors' recorded runs and measure what it saves.

The stream is a seeded sequence of chunks, each one of the three recorded tasks drawn at random. For every chunk
and each of the four recorded roles the manager chooses (and may explore); every model it runs costs its
recorded cost; the board (the recorded judge) judges calls at the audit rate, at the recorded judge cost; the
manager learns from the judged rewards (``paper`` reward preset: the recorded reward itself). See
``docs/bench-replay.md`` for the definitions of every number.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from olp.caller import CallContext
from role_rl.audit import AuditPolicy
from role_rl.managers import (DEFAULT_MANAGER, MANAGERS, NEEDS, Feedback, Manager, Outcome, available, make_manager,
                              manager_class)
from role_rl.replay import JUDGES, REFERENCE_MODEL, ReplayData
from role_rl.reward import RewardConfig, preset

#: The paper's reported cost saving on OLP-MINI (abstract of arXiv 2409.18014).
PAPER_SAVING = 0.794
DEFAULT_CHUNKS = 300


@dataclass
class ReplayResult:
    """What one manager achieved on one replayed stream. Savings are shares of the reference cost (always
    claude-3-opus, one call per role per chunk, no board)."""

    manager: str
    judge: str
    seed: int
    chunks: int
    reward: str
    audit: str
    cost_saving: float  # final assignment, each task once, workers only
    final_correct_share: float
    learning_correct_share: float
    cost_saving_learning: float  # the whole stream, every worker call (exploration included), no board
    cost_saving_learning_with_board: float  # the whole stream, workers and board
    worker_cost_usd: float
    exploration_calls: int
    exploration_cost_usd: float
    explore_choices: int  # calls whose model was not the manager's greedy pick (exploring without extra calls)
    explore_choices_cost_usd: float  # what those calls cost
    board_calls: int
    board_cost_usd: float
    reference_cost_usd: float
    role_calls: int
    chunks_to_settle: int
    settled: bool
    assignment_changes: int
    final_assignment: dict[str, dict[str, str]] = field(default_factory=dict)
    reference: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return _rounded(asdict(self))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def reference_figures(data: ReplayData) -> dict[str, float]:
    """Savings of the contextual oracle and the best fixed model per role (each task once), and the paper's."""
    ref = math.fsum(data.reference_cost(t, r) for t in data.tasks for r in data.roles)
    oracle = math.fsum(data.oracle(t, r).cost_usd for t in data.tasks for r in data.roles)
    fixed = math.fsum(data.get(t, data.best_fixed(r), r).cost_usd for t in data.tasks for r in data.roles)
    return {"oracle": 1 - oracle / ref, "best_fixed": 1 - fixed / ref, "paper": PAPER_SAVING}


def context(data: ReplayData, task: str, chunk: int = 0) -> CallContext:
    return CallContext(stream=f"replay-{task}", chunk=chunk, features=data.features(task))


def build_manager(name: str, data: ReplayData, reward: RewardConfig, seed: int, **options: Any) -> Manager:
    """A manager over the recorded pool with settings fit for this benchmark's reward scale."""
    import inspect

    if "reward_scale" in inspect.signature(manager_class(name).__init__).parameters:
        options.setdefault("reward_scale", reward.v)  # managers that scale rewards: a right answer is about 1
    return make_manager(name, data.models, roles=data.roles, seed=seed, **options)


def simulate(manager: Manager, data: ReplayData, *, chunks: int = DEFAULT_CHUNKS, seed: int = 0,
             reward: RewardConfig | None = None, audit: AuditPolicy | None = None) -> ReplayResult:
    """Run ``manager`` over a seeded stream of recorded chunks and measure it."""
    reward = reward or preset("paper")
    audit = audit or AuditPolicy(seed=seed)
    rng = random.Random(seed)
    stream = [rng.choice(data.tasks) for _ in range(chunks)]
    contexts = {t: context(data, t) for t in data.tasks}
    worker = explore_cost = choice_cost = board = ref = 0.0
    explore_calls = explore_choices = board_calls = correct = calls = changes = 0
    snapshot = _assignment(manager, data, contexts)
    settle = 0
    for i, task in enumerate(stream):
        ctx = CallContext(stream="replay", chunk=i, features=contexts[task].features)
        for role in data.roles:
            greedy = manager.best(role, ctx)
            choice = manager.choose(role, ctx)
            records = [data.get(task, m, role) for m in choice.models]
            worker += sum(r.cost_usd for r in records)
            explore_calls += len(records) - 1
            explore_cost += sum(r.cost_usd for r in records[1:])
            explore_choices += int(choice.model != greedy)
            choice_cost += records[0].cost_usd if choice.model != greedy else 0.0
            ref += data.reference_cost(task, role)
            used = records[0]
            if audit.should_audit(role, choice.model, exploring=bool(choice.explore) or choice.reason != "exploit"):
                board_calls += len(records)
                board += sum(r.judge_cost_usd for r in records)
                outcomes = tuple(
                    Outcome(r.model, r.reward_with(reward), r.success, r.k, r.cost_usd) for r in records)
                for o in outcomes:
                    audit.record(role, o.model, o.correct)
                fb = Feedback(role, ctx, choice, outcomes)
                manager.update(fb)
                used = records[[o.model for o in outcomes].index(fb.best().model)]
            correct += int(used.success)
            calls += 1
        now = _assignment(manager, data, contexts)
        if now != snapshot:
            changes += sum(now[t][r] != snapshot[t][r] for t in now for r in now[t])
            snapshot, settle = now, i + 1
    saving, final_correct = evaluate_assignment(snapshot, data)
    return ReplayResult(
        manager=manager.name, judge=data.judge, seed=seed, chunks=chunks, reward=reward.name,
        audit=audit.mode,
        cost_saving=saving,
        final_correct_share=final_correct,
        learning_correct_share=correct / max(calls, 1),
        cost_saving_learning=1 - worker / ref if ref else 0.0,
        cost_saving_learning_with_board=1 - (worker + board) / ref if ref else 0.0,
        worker_cost_usd=worker, exploration_calls=explore_calls, exploration_cost_usd=explore_cost,
        explore_choices=explore_choices, explore_choices_cost_usd=choice_cost, board_calls=board_calls,
        board_cost_usd=board, reference_cost_usd=ref,
        role_calls=calls, chunks_to_settle=settle, settled=settle <= 0.9 * chunks, assignment_changes=changes,
        final_assignment=snapshot, reference=reference_figures(data),
    )


def evaluate_assignment(assignment: dict[str, dict[str, str]], data: ReplayData) -> tuple[float, float]:
    """(cost saving, share judged correct) of a {task: {role: model}} assignment, each task once."""
    pairs = [(t, r, assignment[t][r]) for t in data.tasks for r in data.roles]
    cost = math.fsum(data.get(t, m, r).cost_usd for t, r, m in pairs)
    ref = math.fsum(data.reference_cost(t, r) for t, r, _m in pairs)
    return 1 - cost / ref, sum(data.get(t, m, r).success for t, r, m in pairs) / len(pairs)


def assignment_of(manager: Manager, data: ReplayData) -> dict[str, dict[str, str]]:
    """The manager's current assignment for each recorded task."""
    return _assignment(manager, data, {t: context(data, t) for t in data.tasks})


def _assignment(manager: Manager, data: ReplayData, contexts: dict[str, CallContext]) -> dict[str, dict[str, str]]:
    return {t: {r: manager.best(r, contexts[t]) for r in data.roles} for t in data.tasks}


# ---------------------------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``olp bench replay``."""
    parser.add_argument("--manager", choices=sorted(MANAGERS), default=None,
                        help=f"one manager (default: all; {DEFAULT_MANAGER} is the default manager)")
    parser.add_argument("--judge", choices=sorted(JUDGES), default="claude",
                        help="whose recorded judgements to learn from (default: claude)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the stream and the managers (default 0)")
    parser.add_argument("--chunks", type=int, default=DEFAULT_CHUNKS,
                        help=f"chunks in the replayed stream (default {DEFAULT_CHUNKS})")
    parser.add_argument("--audit", choices=("all", "adaptive"), default="adaptive",
                        help="judge every call, or a share that falls as a role settles (default adaptive)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (the --manager's, else the default manager's, with all "
                             "managers under 'managers')")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; print a rich table or JSON. Returns the exit status."""
    data = ReplayData(args.judge)
    reward = preset("paper")
    names = [args.manager] if args.manager else [DEFAULT_MANAGER, *(m for m in MANAGERS if m != DEFAULT_MANAGER)]
    if not args.manager:
        missing = [m for m in names if not available(m)]
        names = [m for m in names if available(m)]
        for m in missing:
            print(f"olp bench replay: {m} left out: it needs {NEEDS[m]} (scripts/setup --rl)", file=sys.stderr)
    results = []
    for name in names:
        manager = build_manager(name, data, reward, args.seed)
        audit = AuditPolicy(mode=args.audit, seed=args.seed)
        results.append(simulate(manager, data, chunks=args.chunks, seed=args.seed, reward=reward, audit=audit))
    if args.json:
        head = results[0].to_dict()
        if len(results) > 1:
            head["managers"] = {r.manager: r.to_dict() for r in results}
        print(json.dumps(head, ensure_ascii=False))
    else:
        _print_table(results, data)
    return 0


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _print_table(results: list[ReplayResult], data: ReplayData) -> None:
    from rich.console import Console
    from rich.table import Table

    ref = results[0].reference
    table = Table(title=f"Role-RL replay: {results[0].chunks} chunks, judge {data.judge} "
                        f"(reference: always {REFERENCE_MODEL})")
    for col in ("manager", "saving (final)", "saving (learning)", "with board", "correct (learning)",
                "correct (final)", "exploration calls", "exploration $", "board $", "settled after"):
        table.add_column(col, justify="right" if col != "manager" else "left")
    for r in results:
        table.add_row(r.manager + (" (default)" if r.manager == DEFAULT_MANAGER else ""), _pct(r.cost_saving),
                      _pct(r.cost_saving_learning), _pct(r.cost_saving_learning_with_board),
                      _pct(r.learning_correct_share), _pct(r.final_correct_share), str(r.exploration_calls),
                      f"{r.exploration_cost_usd:.2f}", f"{r.board_cost_usd:.2f}",
                      f"{r.chunks_to_settle}" + ("" if r.settled else " (not settled)"))
    console = Console()
    console.print(table)
    console.print(f"reference savings on the same data: contextual oracle {_pct(ref['oracle'])}, best fixed model "
                  f"per role {_pct(ref['best_fixed'])}, paper {_pct(ref['paper'])}. Costs in the recorded units "
                  "(USD at 25,000 tokens in and out per call).")
