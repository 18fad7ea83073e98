"""QMSum meetings (train and val splits) with their gold topic spans.

Each ``<data dir>/qmsum/{split}/{name}.json`` holds ``meeting_transcripts`` (one entry per speaker turn) and
``topic_list`` (each topic with one or more inclusive ``[start, end]`` turn ranges, as strings). A meeting becomes
a stream of sentences, one per turn: id = turn index, text = ``"Speaker: content"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from olp.datasets import GoldTopic
from olp.errors import BadInputError
from olp.settings import data_dir
from olp.types import Sentence

SPLITS: tuple[str, ...] = ("train", "val")


@dataclass(frozen=True)
class Meeting:
    """One QMSum meeting.

    Attributes:
        name: the file stem (``Bed004``), used as the stream id.
        split: ``"train"`` or ``"val"``.
        sentences: one per turn, id = turn index.
        topics: the gold topics, ids = the union of their turn ranges.
    """

    name: str
    split: str
    sentences: list[Sentence]
    topics: list[GoldTopic]


def root_dir(root: str | Path | None = None) -> Path:
    """The QMSum folder: ``root`` or ``olp.settings.data_dir() / "qmsum"``."""
    return Path(root) if root is not None else data_dir() / "qmsum"


def _splits(split: str) -> tuple[str, ...]:
    if split == "all":
        return SPLITS
    if split not in SPLITS:
        raise BadInputError(f"unknown QMSum split {split!r}; choose one of: train, val, all (test is held out)")
    return (split,)


def list_files(split: str = "val", root: str | Path | None = None) -> list[Path]:
    """The meeting files of a split (``"train"``, ``"val"`` or ``"all"``), sorted by split then name.

    Raises:
        BadInputError: unknown split or missing folder.
    """
    files: list[Path] = []
    for name in _splits(split):
        folder = root_dir(root) / name
        if not folder.is_dir():
            raise BadInputError(f"QMSum folder {folder} not found; set OLP_DATA_DIR to the folder holding qmsum/")
        files.extend(sorted(folder.glob("*.json")))
    return files


def _topic(entry: dict, n_turns: int, source: str) -> GoldTopic:
    ids: set[int] = set()
    for span in entry.get("relevant_text_span", []):
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise BadInputError(f"{source}: bad span {span!r} in topic {entry.get('topic')!r}") from exc
        # Clip to the transcript: a span past the last turn would count sentences nobody can predict.
        ids.update(range(max(start, 0), min(end, n_turns - 1) + 1))
    return GoldTopic(name=str(entry.get("topic", "")), ids=tuple(sorted(ids)))


def load_meeting(path: str | Path, split: str | None = None) -> Meeting:
    """Load one meeting file.

    Raises:
        BadInputError: unreadable file or missing keys.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        turns = data["meeting_transcripts"]
        topic_list = data["topic_list"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BadInputError(f"{p}: not a QMSum meeting file ({type(exc).__name__})") from exc
    sentences = [Sentence(id=i, text=f"{t.get('speaker', '')}: {t.get('content', '')}") for i, t in enumerate(turns)]
    topics = [t for t in (_topic(e, len(turns), str(p)) for e in topic_list) if t.ids]
    return Meeting(name=p.stem, split=split or p.parent.name, sentences=sentences, topics=topics)


def iter_meetings(split: str = "val", limit: int | None = None, root: str | Path | None = None) -> Iterator[Meeting]:
    """Yield the meetings of a split (``"train"``, ``"val"`` or ``"all"``) in file order, at most ``limit``."""
    files = list_files(split, root)
    for path in files[:limit] if limit is not None else files:
        yield load_meeting(path)
