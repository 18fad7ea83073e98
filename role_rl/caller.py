"""``RLCaller``: the pipeline's role caller with Role-RL. The manager picks the model for every call, the board
audits answers at the audit rate, the reward teaches the manager, and a wrong answer may be replaced by the
board's correction. Same protocol as ``olp.caller.DirectCaller``.

One call:
1. ``manager.choose(role, context)`` names the model to use and, maybe, models to run as well (exploration);
   they all run concurrently and every extra call counts as exploration cost.
2. If the call is audited (always when it explores), the board judges every answer that came back; each judged
   answer gets a reward from its measured cost and latency and its role-specific correctness; the manager
   learns from them all.
3. The answer used is the highest-rewarded judged one (else the chosen model's); if the board found it wrong
   and gave a correction the role can parse, the correction replaces it.
4. The judges' call records are returned with the workers', so the board's cost counts in every total.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from olp.caller import CallContext, RoleResult, parse_answer
from olp.errors import BadModelOutputError
from olp.gateway import Gateway
from olp.observer import Observer
from olp.profiles import Profile
from olp.roles.base import Role
from olp.structured import FALLBACK, role_response_format
from olp.types import CallRecord
from role_rl.audit import AuditPolicy
from role_rl.board import Board, Verdict
from role_rl.managers.base import Choice, Feedback, Manager, Outcome
from role_rl.reward import RewardConfig, correctness

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class LearningUsage:
    """What learning cost so far.

    Attributes:
        role_calls: role calls answered.
        exploration_calls / exploration_cost_usd: model calls beyond one per role call, and their cost.
        audited_calls: role calls the board judged.
        board_calls / board_cost_usd: judge calls and their cost.
        corrections: answers replaced by the board's correction.
        assignment_changes: times a role's assigned model changed.
        elections: board elections held.
    """

    role_calls: int = 0
    exploration_calls: int = 0
    exploration_cost_usd: float = 0.0
    audited_calls: int = 0
    board_calls: int = 0
    board_cost_usd: float = 0.0
    corrections: int = 0
    assignment_changes: int = 0
    elections: int = 0


@dataclass
class _Answer:
    model: str
    record: CallRecord
    value: Any = None
    parsed: bool = False


class RLCaller:
    """Role caller that learns who plays which role.

    Args:
        gateway: calls the models.
        profile: the domain and language profile.
        manager: chooses models and learns (``role_rl.managers``).
        board: the advisory board (None: no audits, so no learning).
        reward: the reward's weights.
        audit: when the board judges.
        observer: told about assignments, verdicts, rewards, preferences and learning events.
        concurrency: at most this many role calls in flight.
        learn: where each call's judged feedback goes. None: ``apply_feedback`` to this caller's manager and audit
            policy at once. A shared learner passes its own (``olp.stream.learner``): it publishes the feedback and
            applies it, with every other worker's, in the feedback log's order.
        elections: hold the board's elections here, once per chunk (False: the shared learner holds them).
    """

    def __init__(self, gateway: Gateway, profile: Profile, manager: Manager, board: Board | None = None,
                 reward: RewardConfig = RewardConfig(), audit: AuditPolicy | None = None,
                 observer: Observer | None = None, concurrency: int = 16,
                 learn: Callable[[Feedback], None] | None = None, elections: bool = True) -> None:
        self.gateway, self.profile, self.manager, self.board = gateway, profile, manager, board
        self.reward = reward
        self.audit = audit or AuditPolicy()
        self.observer = observer or Observer()
        self.learn, self.elections = learn, elections
        self.usage = LearningUsage()
        self._sem = asyncio.Semaphore(concurrency)
        self._last_chunk: OrderedDict[str, int] = OrderedDict()  # stream -> last chunk seen (bounded LRU)
        self._chunks_seen = 0
        self._assignment: dict[str, str] = {}
        for role in manager.roles:
            self._assign(role, manager.best(role, CallContext()))

    # ------------------------------------------------------------------------------------------ the protocol

    async def call(self, role: Role[In, Out], inp: In, ctx: CallContext) -> RoleResult[Out]:
        async with self._sem:
            self._new_chunk(ctx)
            choice = self.manager.choose(role.name, ctx)
            # Extra models run for learning are always judged (else they are paid for nothing). A single model
            # picked by exploration is judged at its pair's rate when the audit settles: the pair's verdicts so far
            # say how much more the learner needs to see of it. An exploring pick left unjudged would teach
            # nothing and risk a worse answer, so the call exploits instead.
            exploring = bool(choice.explore) or (choice.reason != "exploit" and self.audit.mode != "settling")
            audited = self.board is not None and self.audit.should_audit(role.name, choice.model, exploring)
            if self.board is not None and not audited and not choice.explore and choice.reason != "exploit":
                choice = Choice(self.manager.best(role.name, ctx))
            answers = await self._run(role, inp, choice)
            records = [a.record for a in answers]
            self.usage.role_calls += 1
            extra, extra_cost = len(answers) - 1, sum(a.record.cost_usd for a in answers[1:])
            self.usage.exploration_calls += extra
            self.usage.exploration_cost_usd += extra_cost
            if extra:
                self.observer.on_learning_cost(role.name, "exploration", extra, extra_cost)
            verdicts: dict[str, Verdict] = {}
            if audited:
                verdicts = await self._judge(role, inp, answers)
                for v in verdicts.values():
                    records.extend(v.records)
                self._learn(role, ctx, choice, answers, verdicts)
            result = self._pick(role, inp, answers, verdicts)
            self._assign(role.name, self.manager.best(role.name, ctx))
            return RoleResult(result[0], result[1], records, result[2])

    def assignment(self) -> dict[str, str]:
        return dict(self._assignment)

    def state_dict(self) -> dict[str, Any]:
        return {"manager": self.manager.state_dict(), "audit": self.audit.state_dict(),
                "board": self.board.state_dict() if self.board else None, "assignment": dict(self._assignment),
                "usage": asdict(self.usage), "chunks_seen": self._chunks_seen}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("manager"):
            self.manager.load_state_dict(state["manager"])
        if state.get("audit"):
            self.audit.load_state_dict(state["audit"])
        if state.get("board") and self.board is not None:
            self.board.load_state_dict(state["board"])
        for role, model in state.get("assignment", {}).items():
            self._assign(role, model)  # observers hear of the restored assignment
        self.usage = LearningUsage(**state.get("usage", {}))
        self._chunks_seen = int(state.get("chunks_seen", 0))

    # ------------------------------------------------------------------------------------------ the steps

    async def _run(self, role: Role, inp: Any, choice: Choice) -> list[_Answer]:
        messages = role.build_messages(inp, self.profile)
        response_format = role_response_format(role, inp, self.profile)
        records = await asyncio.gather(*(
            self.gateway.complete(role.name, m, messages, max_tokens=role.max_tokens, response_format=response_format)
            for m in choice.models))
        answers = []
        for model, rec in zip(choice.models, records):
            ans = _Answer(model, rec)
            if rec.ok:
                try:
                    ans.value = parse_answer(self.gateway, role, rec, inp, self.profile, response_format)
                    ans.parsed = True
                except BadModelOutputError:
                    pass  # parse_answer marked the record failed and counted it
            answers.append(ans)
        return answers

    async def _judge(self, role: Role, inp: Any, answers: list[_Answer]) -> dict[str, Verdict]:
        """Verdicts on every answer that came back (an unparsable one too: the board may still correct it)."""
        assert self.board is not None
        asked = [a for a in answers if a.record.text]
        found = await asyncio.gather(*(
            self.board.judge(role, inp, role.dump(a.value) if a.parsed else a.record.text, self.profile)
            for a in asked))
        self.usage.audited_calls += 1
        calls, cost = sum(len(v.records) for v in found), sum(r.cost_usd for v in found for r in v.records)
        self.usage.board_calls += calls
        self.usage.board_cost_usd += cost
        if calls:
            self.observer.on_learning_cost(role.name, "board", calls, cost)
        return {a.model: v for a, v in zip(asked, found)}

    def _learn(self, role: Role, ctx: CallContext, choice: Choice, answers: list[_Answer],
               verdicts: dict[str, Verdict]) -> None:
        outcomes = []
        for a in answers:
            v = verdicts.get(a.model)
            failed = a.record.fallback_from is not None or not a.record.text  # the chosen model did not answer
            if not failed and (v is None or v.correct is None):
                continue  # no verdict: nothing to learn from this answer
            correct = bool(not failed and v and v.correct and a.parsed)
            if failed or not a.parsed:
                k = self.reward.wrong  # no usable answer is as wrong as a wrong answer
            else:
                k = correctness(role.name, correct, a.value, v.corrected if v else None, wrong=self.reward.wrong,
                                answer_text=role.dump(a.value),
                                corrected_text=v.corrected_text if v else None)
            cost = 0.0 if failed else self._cost(a.record)  # a fallback model's cost is not this model's
            r = self.reward.reward(k, cost, a.record.latency_ms / 1000.0)
            outcomes.append(Outcome(a.model, r, correct, k, cost, a.record.latency_ms / 1000.0))
            if v is not None and not failed:
                self.observer.on_verdict(role.name, a.model, correct, v.judge)
            self.observer.on_reward(role.name, a.model, r)
        if not outcomes:
            return
        feedback = Feedback(role.name, ctx, choice, tuple(outcomes))
        if self.learn is not None:
            self.learn(feedback)
            return
        apply_feedback(self.manager, self.audit, feedback)
        self.observer.on_preferences(role.name, self.manager.preferences(role.name, ctx))

    def _cost(self, record: CallRecord) -> float:
        if self.reward.fixed_tokens is None:
            return record.cost_usd
        n = self.reward.fixed_tokens  # the paper's preset prices a fixed token count, not the measured one
        return self.gateway.price(self.gateway.pool.spec(record.model), n, n)

    def _pick(self, role: Role, inp: Any, answers: list[_Answer],
              verdicts: dict[str, Verdict]) -> tuple[Any, str, bool]:
        """(value, model, parsed) of the answer used."""
        parsed = [a for a in answers if a.parsed]
        if verdicts:
            judged = [a for a in answers if a.model in verdicts]

            def rank(a: _Answer) -> tuple[int, int]:
                return (int(bool(verdicts[a.model].correct) and a.parsed), int(a.parsed))

            best = max(judged, key=rank) if judged else None
            if best is not None:
                v = verdicts[best.model]
                if not (v.correct and best.parsed) and v.corrected is not None:
                    self.usage.corrections += 1
                    return v.corrected, v.judge, True
                if best.parsed:
                    return best.value, best.record.model, True
        if parsed:
            return parsed[0].value, parsed[0].record.model, True  # record.model: who answered (maybe a fallback)
        self.gateway.observer.on_parse(role.name, answers[0].model, FALLBACK)
        return role.fallback(inp, self.profile), answers[0].model, False

    def _assign(self, role: str, model: str) -> None:
        previous = self._assignment.get(role)
        if previous == model:
            return
        self._assignment[role] = model
        if previous is not None:
            self.usage.assignment_changes += 1
        self.observer.on_assignment(role, model, previous, list(self.manager.models))

    def _new_chunk(self, ctx: CallContext) -> None:
        """Count chunks (one per new (stream, chunk)); hold one board election per chunk once it may start."""
        if self._last_chunk.get(ctx.stream) == ctx.chunk:
            return
        self._last_chunk[ctx.stream] = ctx.chunk
        self._last_chunk.move_to_end(ctx.stream)
        while len(self._last_chunk) > 1024:  # endless streams of streams: keep memory bounded
            self._last_chunk.popitem(last=False)
        self._chunks_seen += 1
        if self.elections and hold_election(self.manager, self.board, self._chunks_seen, self.reward.v,
                                            self.observer):
            self.usage.elections += 1


def apply_feedback(manager: Manager, audit: AuditPolicy, feedback: Feedback) -> None:
    """What one call's judged feedback teaches: the audit policy's streaks, then the manager.

    Deterministic: replicas that apply the same feedback in the same order hold the same state.
    """
    for o in feedback.outcomes:
        audit.record(feedback.role, o.model, o.correct)
    manager.update(feedback)


def hold_election(manager: Manager, board: Board | None, chunks_seen: int, reward_v: float,
                  observer: Observer) -> bool:
    """The board's election after ``chunks_seen`` chunks (managers with failure rows only); True if one was held."""
    rows = getattr(manager, "failure_rows", None)
    if board is None or rows is None or chunks_seen <= board.election_start:
        return False
    before = dict(board.weights)
    elected = board.elect(rows(), reward_v)
    if elected is not None and board.weights != before:
        observer.on_event({"event": "election", "elected": elected, "weights": dict(board.weights)})
    return True


def build_rl_caller(gateway: Gateway, profile: Profile, manager: str = "bandit", *, reward: str = "olp",
                    audit: str = "adaptive", audit_rate: float = 1.0, checkpoint: dict[str, Any] | None = None,
                    observer: Observer | None = None, seed: int | None = None, concurrency: int = 16,
                    **manager_options: Any) -> RLCaller:
    """An ``RLCaller`` over the gateway's pool, ready for the pipeline.

    Args:
        gateway: the pipeline's gateway (its pool's models are the arms; its ``judges`` form the board).
        profile: the domain and language profile.
        manager: a registered manager name (``role_rl.managers.MANAGERS``).
        reward: a reward preset name (``olp`` or ``paper``).
        audit: ``all``, ``fixed`` or ``adaptive``; ``audit_rate`` is the fixed share or the adaptive maximum.
        checkpoint: an earlier ``RLCaller.state_dict()``: the run continues with what it learned.
        observer: receives assignments, verdicts, rewards, preferences and events.
        seed: seeds the manager and the audit draws.
        concurrency: at most this many role calls in flight.
        manager_options: passed to the manager's constructor.
    """
    import inspect

    from role_rl.managers import manager_class, restore_manager
    from role_rl.pool import Pool
    from role_rl.reward import preset

    cfg = preset(reward)
    pool = Pool(gateway.pool, gateway)
    if checkpoint and checkpoint.get("manager"):
        mgr = restore_manager(checkpoint["manager"])
    else:
        cls = manager_class(manager)
        if "reward_scale" in inspect.signature(cls.__init__).parameters:
            manager_options.setdefault("reward_scale", cfg.v)  # managers that scale rewards: a right answer is 1
        mgr = cls(pool.names, seed=seed, **manager_options)
    board = Board(gateway, prices_per_m=pool.prices_per_m()) if gateway.pool.judges else None
    caller = RLCaller(gateway, profile, mgr, board, reward=cfg,
                      audit=AuditPolicy(mode=audit, rate=audit_rate, min_rate=min(0.05, audit_rate), seed=seed),
                      observer=observer, concurrency=concurrency)
    if checkpoint:
        caller.load_state_dict({k: v for k, v in checkpoint.items() if k != "manager"})
    return caller
