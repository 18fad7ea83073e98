"""OLP-MINI: the authors' live-commerce transcripts (``EN_/ENnnn.txt``, ``CN_/CNnnn.txt``), without labels.

Each file is one line holding a Python literal list of ``[sentence_id, sentence]`` pairs. The directory comes from
``olp.settings.olp_mini_dir()`` (``$OLP_MINI_DIR``, else ``<data dir>/olp-mini``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from olp.errors import BadInputError
from olp.settings import olp_mini_dir
from olp.types import Sentence

#: Language code -> sub-directory of the OLP-MINI root.
LANG_DIRS: dict[str, str] = {"en": "EN_", "zh": "CN_"}
_LANG_ALIASES = {"en": "en", "zh": "zh", "cn": "zh"}


def parse_pair_list(text: str, source: str = "<text>") -> list[Sentence]:
    """Parse a Python-literal (or JSON) list of ``[id, sentence]`` pairs, in file order; ids may repeat.

    Raises:
        BadInputError: the text is not a non-empty list of ``[int, str]`` pairs.
    """
    from olp.io import parse_pair_list as parse

    return parse(text, source, increasing=False)


def read_pair_file(path: str | Path) -> list[Sentence]:
    """Read one ``[id, sentence]`` list file (UTF-8).

    Raises:
        BadInputError: missing, unreadable, not UTF-8, or not a pair list.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{p}: cannot read as UTF-8 text ({type(exc).__name__})") from exc
    return parse_pair_list(text, source=str(p))


def _lang(lang: str) -> str:
    key = _LANG_ALIASES.get(lang.lower())
    if key is None:
        raise BadInputError(f"unknown OLP-MINI language {lang!r}; choose 'en' or 'zh' (alias 'cn')")
    return key


def list_files(lang: str = "en", root: str | Path | None = None) -> list[Path]:
    """The OLP-MINI files of one language, sorted by name (``EN001.txt``, ``EN002.txt``, ...).

    Args:
        lang: ``"en"`` or ``"zh"`` (``"cn"`` accepted).
        root: the OLP-MINI directory; default ``olp.settings.olp_mini_dir()``.

    Raises:
        BadInputError: the language directory does not exist (the message says how to point at it).
    """
    base = Path(root) if root is not None else olp_mini_dir()
    folder = base / LANG_DIRS[_lang(lang)]
    if not folder.is_dir():
        raise BadInputError(f"OLP-MINI folder {folder} not found; set OLP_MINI_DIR to the folder holding EN_/ and CN_/")
    return sorted(folder.glob("*.txt"))


def stream_id(path: str | Path) -> str:
    """The stream id of a file: its stem (``EN001``)."""
    return Path(path).stem


def load(path: str | Path) -> list[Sentence]:
    """Load one OLP-MINI file as sentences (ids from the file)."""
    return read_pair_file(path)


def iter_streams(
    lang: str = "en", limit: int | None = None, root: str | Path | None = None
) -> Iterator[tuple[str, list[Sentence]]]:
    """Yield ``(stream id, sentences)`` for the files of one language, in name order, at most ``limit``."""
    files = list_files(lang, root)
    for path in files[:limit] if limit is not None else files:
        yield stream_id(path), load(path)
