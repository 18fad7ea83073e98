"""Readers of transcripts and writers of topic documents.

Readers accept OLP-MINI files (a Python-literal list of ``[id, sentence]``, parsed without eval), JSON (the same
list), JSONL (``{"id", "text"}`` per line) and plain text (one utterance per line, ids assigned in order), from a
file or stdin. Plain text and JSONL are read incrementally, so documents come out while the input still flows.
"""

from __future__ import annotations

import ast
import codecs
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from olp.errors import BadInputError
from olp.types import Sentence

_SNIFF = 4096


def read_sentences(source: str | Path) -> Iterator[Sentence]:
    """Sentences from a path, or ``-`` for stdin. Raises BadInputError (with a one-line reason) on bad input."""
    if str(source) == "-":
        return _read_stream(sys.stdin.buffer, "stdin")
    path = Path(source)
    if not path.exists():
        raise BadInputError(f"{source}: no such file")
    if path.is_dir():
        raise BadInputError(f"{source}: is a directory, not a transcript file")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BadInputError(f"{source}: cannot open ({exc.strerror})") from None
    return _read_stream(fh, str(source), close=True)


def _read_stream(raw: IO[bytes], name: str, close: bool = False) -> Iterator[Sentence]:
    lines = _decoded_lines(raw, name)
    try:
        first = next(lines)
    except StopIteration:
        raise BadInputError(f"{name}: input is empty") from None
    while not first.strip():
        try:
            first = next(lines)
        except StopIteration:
            raise BadInputError(f"{name}: input is empty (only blank lines)") from None
    head = first.lstrip("\ufeff \t")
    if head.startswith("["):
        text = head + "".join(lines)
        if close:
            raw.close()
        return iter(parse_pair_list(text, name))
    if head.startswith("{"):
        return _jsonl(head, lines, name, raw if close else None)
    return _plain(first, lines, raw if close else None)


def _decoded_lines(raw: IO[bytes], name: str) -> Iterator[str]:
    """UTF-8 lines; binary input and invalid UTF-8 are refused with the byte offset."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    pending = ""
    while True:
        block = raw.read1(65536) if hasattr(raw, "read1") else raw.read(65536)
        if not block:
            break
        nul = block.find(b"\x00")
        if nul != -1:
            raise BadInputError(f"{name}: input looks binary (NUL byte at offset {offset + nul})")
        try:
            pending += decoder.decode(block)
        except UnicodeDecodeError as exc:
            raise BadInputError(f"{name}: input is not valid UTF-8 (byte offset {offset + exc.start})") from None
        offset += len(block)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BadInputError(f"{name}: input is not valid UTF-8 (truncated character at the end)") from None
    if pending:
        yield pending


def parse_pair_list(text: str, name: str = "input", *, increasing: bool = True) -> list[Sentence]:
    """Parse ``[[id, "sentence"], ...]`` written as JSON or as a Python literal (OLP-MINI). Never evaluates code.

    With ``increasing`` (the default for streams), ids must rise; datasets whose ids repeat pass False.
    """
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text.strip())  # literals only: no names, calls or operators are evaluated
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise BadInputError(f"{name}: not a valid list of [id, sentence] pairs (malformed list)") from None
    if not isinstance(value, list):
        raise BadInputError(f"{name}: expected a list of [id, sentence] pairs")
    if not value:
        raise BadInputError(f"{name}: the list of sentences is empty")
    out: list[Sentence] = []
    last: int | None = None
    for i, pair in enumerate(value):
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or isinstance(pair[0], bool)
            or not isinstance(pair[0], int)
            or not isinstance(pair[1], str)
        ):
            raise BadInputError(f"{name}: item {i} is not an [id, sentence] pair of an integer and a string")
        if increasing and last is not None and pair[0] <= last:
            raise BadInputError(f"{name}: sentence ids must increase (item {i} has id {pair[0]} after {last})")
        last = pair[0]
        out.append(Sentence(pair[0], pair[1]))
    return out


def _jsonl(first: str, lines: Iterator[str], name: str, closer: IO | None) -> Iterator[Sentence]:
    next_id = 0
    last: int | None = None
    try:
        for n, line in _numbered(first, lines):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                raise BadInputError(f"{name}: line {n} is not valid JSON") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise BadInputError(f'{name}: line {n} needs a "text" string')
            sid = obj.get("id", next_id if last is None else last + 1)
            if isinstance(sid, bool) or not isinstance(sid, int):
                raise BadInputError(f'{name}: line {n} has a non-integer "id"')
            if last is not None and sid <= last:
                raise BadInputError(f"{name}: sentence ids must increase (line {n} has id {sid} after {last})")
            last = sid
            yield Sentence(sid, obj["text"])
    finally:
        if closer:
            closer.close()


def _numbered(first: str, lines: Iterator[str]) -> Iterator[tuple[int, str]]:
    yield 1, first
    for n, line in enumerate(lines, 2):
        yield n, line


def _plain(first: str, lines: Iterator[str], closer: IO | None) -> Iterator[Sentence]:
    sid = 0
    try:
        for _n, line in _numbered(first, lines):
            text = line.strip()
            if text:
                yield Sentence(sid, text)
                sid += 1
    finally:
        if closer:
            closer.close()


# ---------------------------------------------------------------------- writers
def format_document(doc: dict[str, Any], fmt: str, aspects: list[str]) -> str:
    """One document in an output format: ``jsonl``, ``markdown`` or ``olp-text`` (the authors' checked layout)."""
    if fmt == "jsonl":
        return json.dumps(doc, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        out = [f"## {doc['topic']}", "", f"*sentences {doc['span'][0]}–{doc['span'][1]} · ${doc['cost_usd']:.6f}*", ""]
        for name in aspects or list(doc["aspects"]):
            items = doc["aspects"].get(name, [])
            out.append(f"**{name}**")
            out.extend(f"- [{it['id']}] {it['text']}" for it in items)
            out.append("")
        return "\n".join(out) + "\n"
    if fmt == "olp-text":
        from olp.evaluation.checked_text import write_checked_text

        return write_checked_text([doc], aspects)
    raise BadInputError(f"unknown format {fmt!r}; choose jsonl, markdown or olp-text")


class AtomicOutput:
    """A text output that appears only when complete: written to a temp file beside the target, renamed at the end.

    With ``path`` None it writes to stdout as it goes. On error the temp file is removed (nothing half-written).
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._tmp: str | None = None
        self.fh: IO[str]
        if path is None or path == "-":
            self.fh = sys.stdout
        else:
            target = Path(path)
            if target.is_dir():
                raise BadInputError(f"--out {path}: is a directory")
            if not target.parent.exists():
                raise BadInputError(f"--out {path}: directory {str(target.parent)!r} does not exist")
            fd, self._tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            self.fh = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, text: str) -> None:
        self.fh.write(text)
        self.fh.flush()

    def commit(self) -> None:
        if self._tmp:
            self.fh.close()
            os.replace(self._tmp, self.path)  # atomic on one filesystem
            self._tmp = None

    def abort(self) -> None:
        if self._tmp:
            self.fh.close()
            Path(self._tmp).unlink(missing_ok=True)
            self._tmp = None
