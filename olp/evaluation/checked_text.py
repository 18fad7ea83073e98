"""The authors' human-checked text layout (LongBench-OLP ``*_checked.txt``): read it and write it.

One block per topic::

    <topic title>
    (1) Future Plans:
    [22096, 'The authorities say they intend to ...']
    <blank>
    (2) Assumptions:
    <blank>
    ...
    (4) Facts:
    [21981, "Homicide detectives have now taken over ..."]
    <blank>

Each item line is Python's ``repr`` of ``[id, sentence]``. Chinese (lsht) files use the Chinese aspect names in the
same heading shape (``(1) 未来计划:``) and put the note ``没有相关内容`` under an empty heading. The authors' files
have CRLF line endings, but their scoring reads them in text mode, so what is compared is the LF text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The note the lsht references put under an empty aspect (its most frequent form).
ZH_EMPTY_NOTE = "没有相关内容"

_HEADING = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?\s*[(（]\s*(\d+)\s*[)）]\s*([^:：\n]*?)\s*[:：]\s*(?:\*\*)?\s*(.*)$")
_ITEM = re.compile(r"""\[\s*(\d+)\s*,\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\]""")
_LOOSE_ITEM = re.compile(r"^\s*(?:[-*]\s*)?\[\s*(\d+)\s*,\s*(.*?)\s*\]\s*,?\s*$")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class CheckedTopic:
    """One topic of a checked-text file.

    Attributes:
        title: the topic's title line ("" when the file starts with a heading).
        aspects: ``{aspect name: [(sentence id, sentence)]}`` in file order. With ``aspects`` given to the parser,
            every one of them is present (maybe empty) and headings are mapped to them by number.
    """

    title: str
    aspects: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        """The sentence ids of all aspects, ascending and unique."""
        return sorted({i for items in self.aspects.values() for i, _ in items})


def _lines(text: str) -> list[str]:
    # Files written on Windows (CRLF) or read in binary keep "\r"; normalise so both parse the same.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _string_value(token: str) -> str:
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError):
        return token[1:-1]
    return value if isinstance(value, str) else token[1:-1]


def parse_items(line: str) -> list[tuple[int, str]]:
    """The ``[id, 'sentence']`` items on one line (zero, one, or several comma-joined).

    Lines that are not valid Python (unescaped quotes inside a sentence, a missing closing quote) still yield the
    id and the text between the brackets, with its outer quotes removed.
    """
    found = [(int(m.group(1)), _string_value(m.group(2))) for m in _ITEM.finditer(line)]
    if found:
        return found
    loose = _LOOSE_ITEM.match(line)
    if loose:
        body = loose.group(2)
        if len(body) >= 1 and body[0] in "'\"":
            body = body[1:-1] if len(body) >= 2 and body[-1] == body[0] else body[1:]
        return [(int(loose.group(1)), body)]
    return []


def parse_checked_text(text: str, aspects: Sequence[str] | None = None) -> list[CheckedTopic]:
    """Parse checked text (the references, and our ``olp-text`` output) into topics.

    A line is a title when the next non-blank line is heading ``(1)``; other lines that are neither headings nor
    items (notes such as ``没有相关内容``) are skipped. Markdown decorations (``## (2) ...``, ``- [id, ...]``,
    ``**``) are tolerated, as are full-width colons and items on the heading's own line.

    Args:
        text: the file's text (LF or CRLF).
        aspects: the profile's aspect names in heading order; heading ``(k)`` maps to ``aspects[k-1]``. Without
            them the heading's own name is used.
    """
    lines = _lines(text)
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    next_nonblank = {a: b for a, b in zip(nonblank, nonblank[1:])}
    topics: list[CheckedTopic] = []
    current: CheckedTopic | None = None
    section: str | None = None
    last_number = 10**9  # before any heading, any heading starts a topic

    def new_topic(title: str) -> CheckedTopic:
        topic = CheckedTopic(title=title, aspects={name: [] for name in aspects or ()})
        topics.append(topic)
        return topic

    for i in nonblank:
        line = lines[i]
        heading = _HEADING.match(line)
        if heading and not line.lstrip().startswith("["):
            number, name, rest = int(heading.group(1)), heading.group(2).strip(), heading.group(3)
            if current is None or (section is not None and number <= last_number):
                current = new_topic("")  # numbering restarted without a title line
            last_number = number
            if aspects and 1 <= number <= len(aspects):
                name = aspects[number - 1]
            section = name
            current.aspects.setdefault(section, []).extend(parse_items(rest))
            continue
        items = parse_items(line)
        if items and current is not None and section is not None:
            current.aspects[section].extend(items)
            continue
        following = next_nonblank.get(i)
        nxt = _HEADING.match(lines[following]) if following is not None else None
        # A title precedes a heading that restarts the numbering (usually "(1)"; one reference topic starts at
        # "(4)"); a note such as "没有相关内容" precedes the next heading of the same topic.
        if nxt and int(nxt.group(1)) <= last_number:
            current, section, last_number = new_topic(line.strip()), None, 0
    return topics


def _item_line(item: Mapping[str, Any]) -> str:
    # Python's repr of [id, sentence], exactly as the references write it (quotes and escapes included).
    return repr([int(item["id"]), str(item["text"])])


def write_checked_text(
    docs: Iterable[Mapping[str, Any]],
    aspects: Sequence[str] | None = None,
    *,
    empty_note: str | None = None,
    newline: str = "\n",
) -> str:
    """Write topic documents (``TopicDocument.to_dict()`` shape) in the authors' checked-text layout.

    Args:
        docs: documents with ``topic`` and ``aspects`` ({name: [{"id", "text"}]}), in output order.
        aspects: the profile's aspect names, in heading order (``(1) <aspects[0]>:`` ...). Aspects a document has
            beyond these are written after them, numbered on, so no sentence is lost. None: each document's own
            aspect order.
        empty_note: the line under an empty heading; default ``没有相关内容`` when the aspect names are Chinese
            (as in the lsht references) and nothing otherwise (as in the multi_news references).
        newline: ``"\\n"`` (default), or ``"\\r\\n"`` to match the authors' files byte for byte.

    Returns:
        The text; every topic block ends with a blank line, like the references.
    """
    docs = list(docs)
    profile_aspects = list(aspects or ())
    if empty_note is None:
        every = profile_aspects + [a for d in docs for a in (d.get("aspects") or {})]
        empty_note = ZH_EMPTY_NOTE if any(_CJK.search(a) for a in every) else ""
    out: list[str] = []
    for doc in docs:
        doc_aspects: Mapping[str, Any] = doc.get("aspects") or {}
        names = profile_aspects + [a for a in doc_aspects if a not in profile_aspects]
        out.append(" ".join(str(doc.get("topic", "")).split()))
        for number, name in enumerate(names, start=1):
            out.append(f"({number}) {name}:")
            items = doc_aspects.get(name) or []
            if items:
                out.extend(_item_line(item) for item in items)
            elif empty_note:
                out.append(empty_note)
            out.append("")
    return "".join(line + newline for line in out)
