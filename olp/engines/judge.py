"""A local engine as a judge on Role-RL's advisory board: it solves the role's task itself and compares.

The board's prompt carries ``{"task": "judge", "role", "profile", "input": <role payload>, "answer": <text>}``.
The engine answers ``{"correct": true}`` or ``{"correct": false, "corrected": <its own answer>}``. Agreement is
role-specific and tolerant, as a human judge would be: topic lists agree on most product names, spans overlap
(IoU >= 0.5), organizers place most sentences alike, splitters pick nearly the same start.
"""

from __future__ import annotations

import re
from typing import Any

from olp.errors import BadModelOutputError


def judge(engine, payload: dict[str, Any]) -> dict[str, Any]:
    role = payload.get("role")
    inp = payload.get("input")
    if not isinstance(role, str) or not isinstance(inp, dict):
        from olp.engines.engine import EngineInputError

        raise EngineInputError('a judge payload needs "role" and an "input" object')
    mine = engine.answer({**inp, "task": role, "profile": payload.get("profile")})
    try:
        from olp.roles.base import extract_json

        theirs = extract_json(str(payload.get("answer", "")))
    except BadModelOutputError:
        return {"correct": False, "corrected": mine}
    check = AGREE.get(role)
    if check is not None and check(mine, theirs):
        return {"correct": True}
    return {"correct": False, "corrected": mine}


def _names(value: Any) -> set[str]:
    items = value.get("topics", []) if isinstance(value, dict) else value if isinstance(value, list) else []
    return {re.split(r"[:：]", str(x), maxsplit=1)[0].strip().lower() for x in items if isinstance(x, (str, int))}


def _finder(mine: Any, theirs: Any) -> bool:
    a, b = _names(mine), _names(theirs)
    return a == b or (bool(a | b) and len(a & b) / len(a | b) >= 0.5)


def _span(v: Any) -> tuple[int, int] | None:
    try:
        first, last = (v["first"], v["last"]) if isinstance(v, dict) else v[-2:]
        return min(int(first), int(last)), max(int(first), int(last))
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _locator(mine: Any, theirs: Any) -> bool:
    a, b = _span(mine), _span(theirs)
    if a is None or b is None:
        return False
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    union = max(a[1], b[1]) - min(a[0], b[0]) + 1
    return inter / union >= 0.5


def _checker(mine: Any, theirs: Any) -> bool:
    return isinstance(theirs, dict) and bool(mine.get("same")) == bool(theirs.get("same"))


def _placement(v: Any) -> dict[int, str]:
    aspects = v.get("aspects", v) if isinstance(v, dict) else {}
    out: dict[int, str] = {}
    for name, ids in aspects.items() if isinstance(aspects, dict) else ():
        for i in ids if isinstance(ids, list) else ():
            if isinstance(i, int):
                out.setdefault(i, str(name).lower())
    return out


def _organizer(mine: Any, theirs: Any) -> bool:
    a, b = _placement(mine), _placement(theirs)
    return bool(a) and sum(1 for i, x in a.items() if b.get(i) == x) / len(a) >= 0.8


def _splitter(mine: Any, theirs: Any) -> bool:
    a = mine.get("next_start") if isinstance(mine, dict) else None
    b = theirs.get("next_start") if isinstance(theirs, dict) else None
    return a == b or (isinstance(a, int) and isinstance(b, int) and abs(a - b) <= 3)


AGREE = {
    "topic_finder": _finder,
    "topic_locator": _locator,
    "relationship_checker": _checker,
    "content_organizer": _organizer,
    "format_checker": _organizer,
    "chunk_splitter": _splitter,
}
