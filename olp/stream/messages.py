"""The wire format of the transcripts topic: parse a message into a sentence (or the end of a stream), and
describe messages that cannot be used for the dead-letter topic. No Kafka here: bytes in, values out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 100_000  # characters; a longer "sentence" is a producer bug, not an utterance


class BadMessage(ValueError):
    """A transcripts message that cannot be used; ``str(exc)`` is the reason sent to the dead-letter topic."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One sentence message. ``id`` None means "the next id in this stream"."""

    text: str
    id: int | None = None
    ts: float | None = None
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class EndOfStream:
    """``{"end": true}``: the producer is done; the stream's open topics are emitted."""


Message = Utterance | EndOfStream


def parse_key(key: bytes | None) -> str:
    """The stream id from a message key."""
    if not key:
        raise BadMessage("message has no key: the key must be the stream id")
    try:
        stream = key.decode("utf-8")
    except UnicodeDecodeError:
        raise BadMessage("message key is not UTF-8 text: the key must be the stream id") from None
    if not stream.strip():
        raise BadMessage("message key is blank: the key must be the stream id")
    if stream.startswith("\x00"):  # the worker's own bookkeeping keys start with NUL
        raise BadMessage("message key must not start with a NUL character")
    return stream


def parse_value(value: bytes | None) -> Message:
    """A sentence or the end of a stream, from a message value (JSON)."""
    if value is None:
        raise BadMessage("message has no value")
    try:
        data = json.loads(value)
    except UnicodeDecodeError:
        raise BadMessage("value is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadMessage(f"value is not JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(data, dict):
        raise BadMessage(f"value must be a JSON object with \"text\", not {type(data).__name__}")
    if data.get("end") is True:
        return EndOfStream()
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadMessage('value needs a non-empty string "text"')
    if len(text) > MAX_TEXT:
        raise BadMessage(f'"text" is {len(text)} characters long; at most {MAX_TEXT} are accepted')
    sid = data.get("id")
    if sid is not None and (isinstance(sid, bool) or not isinstance(sid, int) or sid < 0):
        raise BadMessage(f'"id" must be a non-negative integer, not {sid!r}')
    ts = data.get("ts")
    if ts is not None and (isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts)):
        raise BadMessage(f'"ts" must be a number (seconds), not {ts!r}')
    profile = data.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise BadMessage(f'"profile" must be a profile name, not {profile!r}')
    return Utterance(text=text, id=sid, ts=None if ts is None else float(ts), profile=profile)


def utterance_value(text: str, id: int | None = None, ts: float | None = None, profile: str | None = None) -> bytes:
    """Encode a sentence message (what ``olp produce`` sends)."""
    data: dict[str, Any] = {"text": text}
    if id is not None:
        data["id"] = id
    if ts is not None:
        data["ts"] = ts
    if profile:
        data["profile"] = profile
    return encode_json(data)


END_VALUE = b'{"end": true}'


def dead_letter(reason: str, key: bytes | None, value: bytes | None, topic: str, partition: int, offset: int) -> bytes:
    """The dead-letter record: why, where from, and the original key and value (as text, undecodable bytes
    replaced) so an operator can fix and replay it."""
    record = {
        "reason": reason,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": None if key is None else key.decode("utf-8", "replace"),
        "value": None if value is None else value.decode("utf-8", "replace")[:MAX_TEXT],
    }
    return encode_json(record)


def encode_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
