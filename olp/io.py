"""Readers of transcripts and writers of topic documents.

Readers accept OLP-MINI files (a Python-literal list of ``[id, sentence]``, parsed without eval), JSON (the same
list), JSONL (``{"id", "text"}`` per line) and plain text (one utterance per line, ids assigned in order), from a
file or stdin, in UTF-8 (a BOM is dropped) or UTF-16/32 with a BOM. Plain text and JSONL are read incrementally,
so documents come out while the input still flows.

The format is told from the start of the input, so that plain text still streams:

- a list of pairs: the input starts ``[[`` or ``[(`` followed by a number, a quote or another bracket (blanks
  and newlines allowed between), or ``[{"``, or is ``[]``; it is read whole and must parse, else it is an error;
- JSONL: the first line is a JSON object, or starts ``{"``, or is a lone ``{``; every line must then be one;
- plain text: anything else, so ASR tags such as ``[Music]`` or ``{laughs}`` on the first line are text.
"""

from __future__ import annotations

import ast
import bisect
import codecs
import itertools
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from olp.errors import BadInputError
from olp.types import Sentence

#: What a user is told when the input is none of the formats.
FORMATS_HELP = ('olp reads a list of [id, sentence] pairs, JSONL (one {"id": int, "text": str} object per line) '
                "or plain text (one utterance per line)")
_PAIR_LIST = re.compile(r"\[(?:[\[(][-+\d\[('\"]|\{\"|\]$)")  # on the start of the input, blanks removed
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def read_sentences(source: str | Path, *, increasing: bool = True, ids_hint: str = "") -> Iterator[Sentence]:
    """Sentences from a path, or ``-`` for stdin. Raises BadInputError (with a one-line reason) on bad input.

    Args:
        source: a path, or ``-`` for stdin.
        increasing: refuse ids that do not rise (streams need them to); False passes them on as they are.
        ids_hint: appended to the "ids must increase" error (e.g. the flag that accepts such input).
    """
    if str(source) == "-":
        stdin = sys.stdin
        if stdin is None or getattr(stdin, "buffer", None) is None:
            raise BadInputError("stdin is closed; give a transcript file or pipe one in")
        return _read_stream(stdin.buffer, "stdin", increasing=increasing, hint=ids_hint)
    path = Path(source)
    if not path.exists():
        raise BadInputError(f"{source}: no such file")
    if path.is_dir():
        raise BadInputError(f"{source}: is a directory, not a transcript file")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise BadInputError(f"{source}: cannot open ({exc.strerror})") from None
    return _read_stream(fh, str(source), close=True, increasing=increasing, hint=ids_hint)


def _read_stream(raw: IO[bytes], name: str, close: bool = False, increasing: bool = True,
                 hint: str = "") -> Iterator[Sentence]:
    lines = _decoded_lines(raw, name)
    blank = 0
    for first in lines:
        if first.strip():
            break
        blank += 1
    else:
        raise BadInputError(f"{name}: input is empty" + (" (only blank lines)" if blank else ""))
    closer = raw if close else None
    head = [first]
    if first.lstrip().startswith("["):
        probe = re.sub(r"\s+", "", first)
        while len(probe) < 4:  # a pretty-printed JSON list spreads its start over lines
            line = next(lines, None)
            if line is None:
                break
            head.append(line)
            probe += re.sub(r"\s+", "", line)
        if _PAIR_LIST.match(probe[:4]):
            text = "".join(itertools.chain(head, lines))
            if close:
                raw.close()
            return iter(parse_pair_list(text, name, increasing=increasing, hint=hint))
    elif first.lstrip().startswith("{") and _looks_like_jsonl(first):
        return _jsonl(_numbered(head, lines, blank + 1), name, closer, increasing, hint)
    return _plain(itertools.chain(head, lines), closer)


def _looks_like_jsonl(line: str) -> bool:
    text = line.strip()
    if text == "{" or text.startswith('{"'):
        return True
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def _read_block(raw: IO[bytes], name: str) -> bytes:
    try:
        return raw.read1(65536) if hasattr(raw, "read1") else raw.read(65536)
    except OSError as exc:
        raise BadInputError(f"{name}: cannot read ({exc.strerror or exc})") from None


def _decoded_lines(raw: IO[bytes], name: str) -> Iterator[str]:
    """Text lines. UTF-8 unless a BOM says UTF-16 or UTF-32 (the BOM is dropped); binary and bad bytes refused."""
    block = _read_block(raw, name)
    while 0 < len(block) < 4:  # enough bytes to see a BOM, even from a pipe that hands out little at a time
        more = _read_block(raw, name)
        if not more:
            break
        block += more
    encoding, label = "utf-8", "UTF-8"
    for bom, enc, lab in _BOMS:
        if block.startswith(bom):
            encoding, label, block = enc, lab, block[len(bom):]
            break
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    pending = ""
    while block:
        if encoding == "utf-8":
            nul = block.find(b"\x00")
            if nul != -1:
                raise BadInputError(f"{name}: " + (offset == 0 and _utf16_without_bom(block)
                                                   or f"input looks binary (NUL byte at offset {offset + nul})"))
        try:
            text = decoder.decode(block)
        except UnicodeDecodeError as exc:
            raise BadInputError(f"{name}: input is not valid {label} (byte offset {offset + exc.start})") from None
        if encoding != "utf-8" and "\x00" in text:
            raise BadInputError(f"{name}: input looks binary (a NUL character in {label} text)")
        pending += text
        offset += len(block)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
        block = _read_block(raw, name)
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BadInputError(f"{name}: input is not valid {label} (truncated character at the end)") from None
    if pending:
        yield pending


def _utf16_without_bom(start: bytes) -> str:
    """What to say when the bytes look like UTF-16 text without a BOM (every other byte NUL), else ""."""
    sample = start[:64]
    if len(sample) < 4 or any(sample[1::2]) == any(sample[0::2]):
        return ""
    order = "LE" if not any(sample[1::2]) else "BE"
    return f"input looks like UTF-16 without a byte-order mark: convert it to UTF-8 (iconv -f UTF-16{order} -t UTF-8)"


def parse_pair_list(text: str, name: str = "input", *, increasing: bool = True, hint: str = "") -> list[Sentence]:
    """Parse ``[[id, "sentence"], ...]`` written as JSON or as a Python literal (OLP-MINI). Never evaluates code.

    With ``increasing`` (the default for streams), ids must rise; datasets whose ids repeat pass False.
    ``hint`` is appended to the error for ids that do not rise.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadInputError(f"{name}: not a list of [id, sentence] pairs (nested too deeply)") from None
    except ValueError:
        try:
            value = ast.literal_eval(text.strip())  # literals only: no names, calls or operators are evaluated
        except (RecursionError, MemoryError):
            raise BadInputError(f"{name}: not a list of [id, sentence] pairs (nested too deeply)") from None
        except (ValueError, SyntaxError, TypeError):
            raise BadInputError(f"{name}: not a valid list of [id, sentence] pairs (malformed list)") from None
    if not isinstance(value, list):
        raise BadInputError(f"{name}: expected a list of [id, sentence] pairs; {FORMATS_HELP}")
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
            raise BadInputError(f"{name}: sentence ids must increase (item {i} has id {pair[0]} after {last}){hint}")
        last = pair[0]
        out.append(Sentence(pair[0], pair[1]))
    return out


def _jsonl(numbered: Iterable[tuple[int, str]], name: str, closer: IO | None, increasing: bool = True,
           hint: str = "") -> Iterator[Sentence]:
    last: int | None = None
    try:
        for n, line in numbered:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                more = f"; {FORMATS_HELP}" if last is None else ""
                raise BadInputError(f"{name}: line {n} is not valid JSON{more}") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise BadInputError(f'{name}: line {n} is not a JSON object with a "text" string; {FORMATS_HELP}')
            sid = obj.get("id", 0 if last is None else last + 1)
            if isinstance(sid, bool) or not isinstance(sid, int):
                raise BadInputError(f'{name}: line {n} has a non-integer "id"')
            if increasing and last is not None and sid <= last:
                raise BadInputError(f"{name}: sentence ids must increase (line {n} has id {sid} after {last}){hint}")
            last = sid
            yield Sentence(sid, obj["text"])
    finally:
        if closer:
            closer.close()


def _numbered(head: list[str], lines: Iterator[str], start: int) -> Iterator[tuple[int, str]]:
    return enumerate(itertools.chain(head, lines), start)


def _plain(lines: Iterable[str], closer: IO | None) -> Iterator[Sentence]:
    sid = 0
    try:
        for line in lines:
            text = line.strip()
            if text:
                yield Sentence(sid, text)
                sid += 1
    finally:
        if closer:
            closer.close()


class Renumbering:
    """Unique rising ids for input whose ids restart or go back (the authors' LongBench-OLP blocks), and the way back.

    A block starts wherever an id is not larger than the one before it; each later block is shifted so that its
    first id follows the largest id so far, keeping the first block's ids and each block's gaps. Works on a
    stream; remembers one offset per block, not one entry per sentence.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []  # new id where each block starts
        self._offsets: list[int] = []  # new id - original id within that block
        self._previous: int | None = None
        self._highest: int | None = None

    def apply(self, sentences: Iterable[Sentence]) -> Iterator[Sentence]:
        """The sentences with unique rising ids (ids that already rise come back as they are)."""
        for s in sentences:
            offset = self._offsets[-1] if self._offsets else 0
            if self._previous is not None and s.id <= self._previous:  # _highest is set with _previous
                offset = self._highest + 1 - s.id
            new_id = s.id + offset
            if not self._offsets or offset != self._offsets[-1]:
                self._starts.append(new_id)
                self._offsets.append(offset)
            self._previous = s.id
            self._highest = new_id if self._highest is None else max(self._highest, new_id)
            yield Sentence(id=new_id, text=s.text, ts=s.ts)

    def get(self, new_id: int, default: int | None = None) -> int | None:
        """The original id of a new id (``default`` for ids never handed out)."""
        if self._highest is None or new_id > self._highest or new_id < self._starts[0]:
            return default
        return new_id - self._offsets[bisect.bisect_right(self._starts, new_id) - 1]


def restore_ids(doc: dict[str, Any], original: Renumbering | dict[int, int]) -> dict[str, Any]:
    """A document made on renumbered sentences, with the original ids (in its span and every aspect item)."""
    def back(i: Any) -> int:
        return original.get(int(i), int(i))  # type: ignore[return-value]

    return {
        **doc,
        "span": [back(i) for i in doc.get("span", [])],
        "aspects": {name: [{**item, "id": back(item["id"])} for item in items]
                    for name, items in (doc.get("aspects") or {}).items()},
    }


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
            os.chmod(self._tmp, self._mode())  # mkstemp makes it private (0600); the result is an ordinary file
            os.replace(self._tmp, self.path)  # atomic on one filesystem
            self._tmp = None

    def _mode(self) -> int:
        try:
            return os.stat(self.path).st_mode & 0o7777  # replacing a file keeps its permissions
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            return 0o666 & ~umask

    def abort(self) -> None:
        if self._tmp:
            self.fh.close()
            Path(self._tmp).unlink(missing_ok=True)
            self._tmp = None
