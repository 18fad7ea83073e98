"""LongBench-OLP: the authors' LongBench news subsets, human-checked references and stored method outputs.

Files live in ``<data dir>/longbench-olp`` as ``{task}_sampling_{n}.txt`` (input), ``..._checked.txt`` (reference)
and ``..._{method}.txt`` (the seven methods' recorded outputs). ``task`` is ``lsht`` (Chinese news) or
``multi_news`` (English news); ``n`` is the number of sampled news pieces (10 or 20 here).

Sentence ids in the N = 20 inputs restart at 21981 for the second block, so they are not unique: ``renumber``
gives unique ids and a map back to the original ones.
"""

from __future__ import annotations

from pathlib import Path

from olp.datasets import GoldTopic
from olp.datasets.olp_mini import read_pair_file
from olp.errors import BadInputError
from olp.evaluation.checked_text import CheckedTopic, parse_checked_text
from olp.evaluation.similarity import read_text
from olp.io import Renumbering
from olp.io import restore_ids as io_restore_ids
from olp.settings import data_dir
from olp.types import Sentence

TASKS: tuple[str, ...] = ("lsht", "multi_news")
SIZES: tuple[int, ...] = (10, 20)
#: File-name tags of the stored outputs, in the paper's order (note the upper-case COT and COA).
METHODS: tuple[str, ...] = ("Direct", "COT", "Reflex", "LA", "COA", "OLP", "OLP_Role-RL")
#: Display names -> file tags.
METHOD_ALIASES: dict[str, str] = {"CoT": "COT", "CoA": "COA", "OLP+Role-RL": "OLP_Role-RL", "Role-RL": "OLP_Role-RL"}
#: The olp profile matching each task.
PROFILE: dict[str, str] = {"lsht": "news-zh", "multi_news": "news-en"}
#: Aspect names in heading order, as the references write them.
ASPECTS: dict[str, tuple[str, ...]] = {
    "lsht": ("未来计划", "猜测", "观点", "事实"),
    "multi_news": ("Future Plans", "Assumptions", "Opinions", "Facts"),
}


def root_dir(root: str | Path | None = None) -> Path:
    """The LongBench-OLP folder: ``root`` or ``olp.settings.data_dir() / "longbench-olp"``."""
    return Path(root) if root is not None else data_dir() / "longbench-olp"


def method_tag(method: str) -> str:
    """The file tag of a method (``"CoT"`` -> ``"COT"``).

    Raises:
        BadInputError: an unknown method (the message lists the valid ones).
    """
    tag = METHOD_ALIASES.get(method, method)
    if tag not in METHODS:
        raise BadInputError(f"unknown LongBench method {method!r}; choose one of: {', '.join(METHODS)}")
    return tag


def _check(task: str, n: int) -> None:
    if task not in TASKS:
        raise BadInputError(f"unknown LongBench task {task!r}; choose one of: {', '.join(TASKS)}")
    if not isinstance(n, int) or n <= 0:
        raise BadInputError(f"LongBench size must be a positive integer, got {n!r}")


def file_path(task: str, n: int, kind: str = "input", root: str | Path | None = None) -> Path:
    """Path of one file: ``kind`` is ``"input"``, ``"checked"`` or a method (tag or alias).

    Raises:
        BadInputError: unknown task, method, or the file does not exist.
    """
    _check(task, n)
    stem = f"{task}_sampling_{n}"
    if kind == "input":
        name = f"{stem}.txt"
    elif kind == "checked":
        name = f"{stem}_checked.txt"
    else:
        name = f"{stem}_{method_tag(kind)}.txt"
    path = root_dir(root) / name
    if not path.is_file():
        raise BadInputError(f"{path} not found; set OLP_DATA_DIR to the folder holding longbench-olp/")
    return path


def load_input(task: str, n: int, root: str | Path | None = None) -> list[Sentence]:
    """The input sentences in file order, with their original (possibly repeated) ids."""
    return read_pair_file(file_path(task, n, "input", root))


def renumber(sentences: list[Sentence]) -> tuple[list[Sentence], dict[int, int]]:
    """Make ids unique, keeping the first block's ids and each block's internal gaps (``olp.io.Renumbering``).

    A block starts wherever an id is not larger than the one before it (the restart at 21981). Each later block
    is shifted so that its first id follows the largest id seen so far.

    Returns:
        ``(sentences with unique ids, {new id: original id})``. Inputs with unique ascending ids come back as is.
    """
    out = list(Renumbering().apply(sentences))
    return out, {new.id: old.id for new, old in zip(out, sentences)}


def restore_ids(docs: list[dict], original: dict[int, int]) -> list[dict]:
    """Map documents made on renumbered sentences back to the original ids (for ``write_checked_text``)."""
    return [io_restore_ids(doc, original) for doc in docs]


def reference_text(task: str, n: int, root: str | Path | None = None) -> str:
    """The human-checked reference as the authors' scorer reads it (text mode, LF newlines)."""
    return read_text(file_path(task, n, "checked", root))


def load_reference(task: str, n: int, root: str | Path | None = None) -> list[CheckedTopic]:
    """The reference parsed into topics ``{title, aspects {name: [(id, text)]}}`` (aspect names as in ``ASPECTS``)."""
    return parse_checked_text(reference_text(task, n, root), ASPECTS[task])


def output_text(task: str, n: int, method: str, root: str | Path | None = None) -> str:
    """One method's stored output, raw, as the authors' scorer reads it (text mode, LF newlines)."""
    return read_text(file_path(task, n, method, root))


def load_outputs(task: str, n: int, root: str | Path | None = None) -> dict[str, str]:
    """All seven stored outputs of one setting, ``{method tag: raw text}`` in ``METHODS`` order."""
    return {m: output_text(task, n, m, root) for m in METHODS}


def gold_topics(task: str, n: int, root: str | Path | None = None) -> list[GoldTopic]:
    """The reference topics as ``GoldTopic`` (ids and ``{id: aspect}``; original ids, so N = 20 ids repeat)."""
    gold = []
    for topic in load_reference(task, n, root):
        labels = {i: name for name, items in topic.aspects.items() for i, _ in items}
        if labels:
            gold.append(GoldTopic(name=topic.title, ids=tuple(sorted(labels)), aspects=labels))
    return gold
