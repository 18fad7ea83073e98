"""The advisory board: judge models say whether a worker's answer is right and give a corrected answer.

The judge prompt follows the authors' ("Do you think the content and the format of the answer are correct? ...
remember to put the correct answer behind 'Correct answer: '") but asks for JSON: ``{"correct": true}`` or
``{"correct": false, "corrected": <the answer in the role's format>}``. The authors' textual style is parsed too.
The prompt carries, between ``<olp-input>`` tags, ``{"task": "judge", "role": ..., "profile": ..., "input":
<the role's payload>, "answer": <the worker's answer text>}``, so local engines can re-solve the role and
compare. A reply that says nothing usable is no verdict: it updates nothing.

Votes are weighted (weights over the whole pool; the configured judges share 1 at the start). The weights move
by the authors' election ("Markov chain election", ``code/main_Role_RL.py``): M = Σ_roles Q_role + 4·C with
C[:, j] = (p_in_j + p_out_j) / 40 (USD per million tokens), keep the failure-state rows, walk j ← argmax M[j]
from model 0 until a fixed point or an all-zero row (at most 10 steps); the elected model gains 0.01 (capped at
1), taken evenly from the other members (a member whose weight runs out leaves the board).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from olp.errors import BadModelOutputError, ConfigError
from olp.gateway import Gateway
from olp.profiles import Profile
from olp.roles.base import Role, extract_json, render_payload
from olp.types import CallRecord

JUDGE_ROLE = "judge"
JUDGE_INSTRUCTIONS = (
    "You are on the advisory board of a pipeline in which language models play roles. Below are a role's task "
    "(the question) and a worker's answer. Do you think the content and the format of the answer are correct? "
    'If they are correct, answer exactly {"correct": true}. If not, answer exactly {"correct": false, '
    '"corrected": <the correct answer, in exactly the format the task asks for>}. The task\'s input and the '
    "answer are in the JSON between the <olp-input> tags."
)


@dataclass(frozen=True)
class JudgeReply:
    """One judge's reply, parsed. ``correct`` None: the reply held no verdict."""

    correct: bool | None
    corrected_text: str | None = None


def judge_messages(role: Role, inp: Any, answer_text: str, profile: Profile) -> list[dict[str, str]]:
    """The judge prompt for one worker answer (see the module docstring for the payload contract)."""
    body = (f"{JUDGE_INSTRUCTIONS}\n\n - Question: {role.instructions(inp, profile)}\n - Answer: {answer_text}\n\n"
            + render_payload(JUDGE_ROLE, profile, role=role.name, input=role.payload(inp), answer=answer_text))
    return [{"role": "user", "content": body}]


_TEXT_RIGHT = re.compile(r"are correct!|内容和格式都正确")
_TEXT_ANSWER = re.compile(r"Correct answer:|正确答案[：:]?")
_TEXT_WRONG = re.compile(r"No, they are wrong|错误！")


def parse_judge_reply(text: str) -> JudgeReply:
    """A judge's verdict and corrected answer: JSON first, then the authors' textual style."""
    try:
        value = extract_json(text, dict)
    except BadModelOutputError:
        value = None
    if isinstance(value, dict) and "correct" in value:
        verdict = value["correct"]
        if isinstance(verdict, str):
            verdict = {"true": True, "yes": True, "false": False, "no": False}.get(verdict.strip().lower())
        if isinstance(verdict, bool):
            corrected = value.get("corrected")
            if corrected is None or verdict:
                return JudgeReply(verdict, None)
            return JudgeReply(False, corrected if isinstance(corrected, str)
                              else json.dumps(corrected, ensure_ascii=False))
    text = text or ""
    answer = _TEXT_ANSWER.search(text)
    if _TEXT_RIGHT.search(text) and not (answer and _TEXT_WRONG.search(text)):
        return JudgeReply(True, None)
    if answer:  # as the authors: no "are correct!" and a "Correct answer:" means wrong
        corrected = text[answer.end():].strip()
        return JudgeReply(False, corrected or None)
    if _TEXT_WRONG.search(text):
        return JudgeReply(False, None)
    return JudgeReply(None, None)


@dataclass
class Verdict:
    """The board's weighted verdict on one answer.

    Attributes:
        correct: the weighted vote (None when no judge gave a verdict); a tie counts as right.
        corrected: the corrected answer parsed by the role (from the heaviest judge that voted wrong and gave a
            correction the role can parse), or None.
        corrected_text: that correction's text.
        judge: the heaviest judge that voted (for events).
        votes: each judge's vote.
        records: the judges' call records (their cost counts in every total).
    """

    correct: bool | None
    corrected: Any = None
    corrected_text: str | None = None
    judge: str = ""
    votes: dict[str, bool | None] = field(default_factory=dict)
    records: list[CallRecord] = field(default_factory=list)


class Board:
    """Judges from the pool, with weights that the election moves.

    Args:
        gateway: calls the judges.
        judges: the pool models that start on the board (equal weights).
        weights: explicit starting weights over pool models (instead of ``judges``).
        prices_per_m: (input, output) USD per million tokens per pool model, for the election's cost term.
        election_start: chunks before the first election (authors: 100).
        step: weight moved per election (authors: 0.01).
    """

    def __init__(self, gateway: Gateway, judges: list[str] | tuple[str, ...] = (), *,
                 weights: dict[str, float] | None = None, prices_per_m: dict[str, tuple[float, float]] | None = None,
                 election_start: int = 100, step: float = 0.01) -> None:
        self.gateway = gateway
        self.models = list(gateway.pool.names)
        judges = list(judges or gateway.pool.judges)
        if weights is None:
            if not judges:
                raise ConfigError("the advisory board needs judges: list them under `olp: judges:` in the pool file")
            weights = {j: 1.0 / len(judges) for j in judges}
        for name in weights:
            gateway.pool.spec(name)  # unknown judge -> "did you mean" error
        self.weights = {m: float(weights.get(m, 0.0)) for m in self.models}
        self.prices_per_m = prices_per_m or {}
        self.election_start, self.step = int(election_start), float(step)
        self.elections = 0

    @property
    def members(self) -> list[str]:
        """The judges with a positive weight, heaviest first."""
        return sorted((m for m, w in self.weights.items() if w > 0), key=lambda m: -self.weights[m])

    async def judge(self, role: Role, inp: Any, answer_text: str, profile: Profile) -> Verdict:
        """Ask every member about one answer; weigh the votes; parse the corrected answer with the role."""
        messages = judge_messages(role, inp, answer_text, profile)
        members = self.members
        records = await asyncio.gather(*(
            self.gateway.complete(JUDGE_ROLE, m, messages, max_tokens=role.max_tokens + 256, fallbacks=False)
            for m in members))
        votes: dict[str, bool | None] = {}
        corrections: list[tuple[str, str]] = []
        for member, rec in zip(members, records):
            reply = parse_judge_reply(rec.text) if rec.ok else JudgeReply(None)
            votes[member] = reply.correct
            if reply.correct is False and reply.corrected_text:
                corrections.append((member, reply.corrected_text))
        yes = sum(self.weights[m] for m, v in votes.items() if v is True)
        no = sum(self.weights[m] for m, v in votes.items() if v is False)
        voted = [m for m in members if votes[m] is not None]
        verdict = Verdict(None if not voted else yes >= no, judge=voted[0] if voted else "", votes=votes,
                          records=list(records))
        if verdict.correct is False:
            for member, text in corrections:  # heaviest first
                try:
                    verdict.corrected = role.parse(text, inp, profile)
                except BadModelOutputError:
                    continue
                verdict.corrected_text = role.dump(verdict.corrected)
                verdict.judge = member
                break
        return verdict

    def cost_matrix(self) -> np.ndarray:
        """C in the authors' units: C[:, j] = (p_in_j + p_out_j) / 40, prices in USD per million tokens."""
        n = len(self.models)
        row = np.array([sum(self.prices_per_m.get(m, (0.0, 0.0))) / 40.0 for m in self.models])
        return np.tile(row, (n, 1))

    def elect(self, failure_rows: np.ndarray, reward_v: float = 10.0) -> str | None:
        """One election: the model the chain ends at (None if it never settles), its weight raised.

        Args:
            failure_rows: Σ over roles of the Q-tables' failure-state rows (n × n, pool order), in reward units.
            reward_v: the reward's v; the cost term is scaled by v / 10 so that it weighs against the Q-values
                as in the authors' code (v = 10) whatever the reward preset.
        """
        self.elections += 1
        m = np.asarray(failure_rows, dtype=np.float64) + 4.0 * (reward_v / 10.0) * self.cost_matrix()
        winner = markov_end(m)
        if winner is None:
            return None
        self.weights = weight_update(self.weights, self.models[winner], self.step)
        return self.models[winner]

    def state_dict(self) -> dict[str, Any]:
        return {"weights": dict(self.weights), "elections": self.elections}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.weights.update({m: float(w) for m, w in state.get("weights", {}).items() if m in self.weights})
        self.elections = int(state.get("elections", 0))


def markov_end(m: np.ndarray, start: int = 0, steps: int = 10) -> int | None:
    """The authors' chain: from ``start``, j ← argmax m[j] until j repeats or m[j] is all zero (≤ ``steps``)."""
    j = start
    for _ in range(steps):
        nxt = int(np.argmax(m[j]))
        if nxt == j or not m[nxt].any():
            return nxt
        j = nxt
    return None


def weight_update(weights: dict[str, float], elected: str, step: float = 0.01) -> dict[str, float]:
    """The authors' ``weight_update``: the elected model gains ``step`` (up to 1), the others lose it evenly,
    lightest first; a member that cannot pay its share drops to 0 and the rest pay more."""
    w = dict(weights)
    others = [m for m, v in w.items() if v != 0 and m != elected]
    adjust = min(step, 1.0 - w[elected])
    w[elected] += adjust
    count = len(others)
    for m in sorted(others, key=lambda k: w[k]):
        if count <= 0:
            break
        share = adjust / count
        if w[m] > share:
            w[m] -= share
        else:
            adjust -= w[m]
            w[m] = 0.0
            count -= 1
    return w
