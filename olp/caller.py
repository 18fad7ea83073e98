"""Role callers: who answers a role call. The pipeline asks a ``RoleCaller``; it never names a model.

``DirectCaller`` uses a fixed assignment (the pool file's). Role-RL's caller (``role_rl.caller``) chooses the
model with a manager, audits answers with the advisory board and learns from the reward; both share this shape.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from olp.errors import BadModelOutputError
from olp.gateway import Gateway
from olp.observer import Observer
from olp.profiles import Profile
from olp.roles.base import Role
from olp.structured import FALLBACK, UNPARSABLE, answer_outcome, role_response_format
from olp.types import CallRecord

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class CallContext:
    """Where a role call happens, for managers that use context.

    Attributes:
        stream: the stream id.
        chunk: index of the chunk within the stream (0, 1, ...).
        features: numeric chunk features (e.g. ``n_sentences``, ``chars_per_sentence``, ``zh``, ``n_topics``).
    """

    stream: str = ""
    chunk: int = 0
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class RoleResult(Generic[Out]):
    """A role's answer and what it took.

    Attributes:
        value: the parsed answer (or the role's safe fallback when ``parsed`` is False).
        model: the model whose answer is used.
        records: every model call made for this answer (workers, retries on other models, judges).
        parsed: False when no model's answer could be parsed and the role's fallback was used.
    """

    value: Out
    model: str
    records: list[CallRecord]
    parsed: bool = True


class RoleCaller(Protocol):
    profile: Profile

    async def call(self, role: Role[In, Out], inp: In, ctx: CallContext) -> RoleResult[Out]: ...

    def assignment(self) -> dict[str, str]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


async def ask(
    gateway: Gateway, role: Role[In, Out], inp: In, profile: Profile, models: list[str]
) -> RoleResult[Out]:
    """Ask the models in order until one answers something the role can parse; else the role's fallback.

    The role's answer schema goes along as ``response_format`` (the gateway sends it to the models that take
    one). The first model's own fallbacks (from the pool file) are handled by the gateway; the rest of
    ``models`` are tried when an answer arrives but cannot be parsed. How each answer fared (valid, repaired,
    unparsable, fallback) is told to the gateway's observer per role and model.
    """
    messages = role.build_messages(inp, profile)
    response_format = role_response_format(role, inp, profile)
    records: list[CallRecord] = []
    for model in models:
        rec = await gateway.complete(role.name, model, messages, max_tokens=role.max_tokens,
                                     response_format=response_format)
        records.append(rec)
        if not rec.ok:
            continue
        try:
            value = parse_answer(gateway, role, rec, inp, profile, response_format)
        except BadModelOutputError:
            continue
        return RoleResult(value, rec.model, records)
    first = models[0] if models else ""
    gateway.observer.on_parse(role.name, first, FALLBACK)
    return RoleResult(role.fallback(inp, profile), first, records, parsed=False)


def parse_answer(gateway: Gateway, role: Role[In, Out], rec: CallRecord, inp: In, profile: Profile,
                 response_format: dict[str, Any] | None) -> Out:
    """The role's value of an answer that arrived; tells the observer whether it was valid, repaired or unparsable.

    Raises BadModelOutputError (and marks ``rec`` failed) when the role cannot parse it.
    """
    try:
        value = role.parse(rec.text, inp, profile)
    except BadModelOutputError as exc:
        rec.ok = False
        rec.error = f"unparsable answer: {exc}"
        gateway.observer.on_parse(role.name, rec.model, UNPARSABLE)
        raise
    gateway.observer.on_parse(role.name, rec.model, answer_outcome(rec.text, response_format))
    return value


class DirectCaller:
    """Each role is played by the model the assignment names; no learning.

    Args:
        gateway: calls the models.
        profile: the domain and language profile.
        assignment: role -> pool model (the pool file's ``olp.assignment``).
        concurrency: at most this many role calls in flight.
    """

    def __init__(
        self,
        gateway: Gateway,
        profile: Profile,
        assignment: dict[str, str] | None = None,
        concurrency: int = 16,
        observer: Observer | None = None,
    ) -> None:
        self.gateway = gateway
        self.profile = profile
        self._assignment = dict(assignment or gateway.pool.assignment)
        self._sem = asyncio.Semaphore(concurrency)
        self.observer = observer or Observer()
        for role, model in self._assignment.items():
            self.observer.on_assignment(role, model, None, gateway.pool.names)

    async def call(self, role: Role[In, Out], inp: In, ctx: CallContext) -> RoleResult[Out]:
        async with self._sem:
            return await ask(self.gateway, role, inp, self.profile, [self._assignment[role.name]])

    def assignment(self) -> dict[str, str]:
        return dict(self._assignment)

    def state_dict(self) -> dict[str, Any]:
        return {"assignment": dict(self._assignment)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._assignment.update(state.get("assignment", {}))
