"""The authors' LongBench-OLP score: whole-file normalised Levenshtein similarity after their hyphen rules.

Procedure of ``Longbench_test/Baseline_correctness.py`` (see ``../shared/data/README.md``):

* read the reference and the output whole, as UTF-8 text in text mode (so CRLF becomes LF);
* delete every ASCII hyphen ``-`` from every output except the plain OLP output; for multi_news at N = 10 and
  N = 30 only, delete them from the reference and from the OLP output too. So at multi_news N = 20 and at every
  lsht setting the reference and the OLP output keep their hyphens while all other outputs (OLP_Role-RL
  included) lose theirs;
* score ``1 - d(ref, out) / max(len(ref), len(out))`` with ``d`` the character Levenshtein distance.

There is no alignment by topic: it is one string similarity over the whole file.
"""

from __future__ import annotations

from pathlib import Path

import Levenshtein

#: multi_news settings whose reference (and plain OLP output) the authors de-hyphenated too.
_STRIP_REFERENCE = {("multi_news", 10), ("multi_news", 30)}


def normalized_similarity(a: str, b: str) -> float:
    """``1 - levenshtein(a, b) / max(len(a), len(b))``; 1.0 for two empty strings."""
    longest = max(len(a), len(b))
    if longest == 0:
        return 1.0
    return 1.0 - Levenshtein.distance(a, b) / longest


def dehyphenate(text: str) -> str:
    """Delete every ASCII hyphen-minus, as the authors' script does (``str.replace("-", "")``)."""
    return text.replace("-", "")


def hyphen_rule(task: str, n: int, method: str) -> tuple[bool, bool]:
    """Which sides the authors de-hyphenated for one LongBench setting and method.

    Args:
        task: ``"lsht"`` or ``"multi_news"``.
        n: the number of sampled documents (10, 20, 30).
        method: the method's file-name tag (``"OLP"``, ``"OLP_Role-RL"``, ``"COT"`` ...). Anything other than the
            plain ``"OLP"`` follows the rule of the baselines, which is also the rule for OLP_Role-RL.

    Returns:
        ``(strip_reference, strip_output)``.
    """
    strip_reference = (task, n) in _STRIP_REFERENCE
    strip_output = strip_reference if method == "OLP" else True
    return strip_reference, strip_output


def similarity(ref_text: str, out_text: str, *, strip_reference: bool = False, strip_output: bool = True) -> float:
    """The authors' similarity of one output to one reference.

    The defaults are their rule for OLP_Role-RL and the baselines at lsht and multi_news N = 20: the output loses
    its hyphens, the reference keeps them. Use ``hyphen_rule`` for the exact per-setting flags.

    Args:
        ref_text: the whole reference text, newlines as LF (read in text mode).
        out_text: the whole output text, newlines as LF.
        strip_reference: delete hyphens from the reference first.
        strip_output: delete hyphens from the output first.
    """
    ref = dehyphenate(ref_text) if strip_reference else ref_text
    out = dehyphenate(out_text) if strip_output else out_text
    return normalized_similarity(ref, out)


def read_text(path: str | Path) -> str:
    """Read a file as the authors' script does: UTF-8, text mode (universal newlines, so CRLF becomes LF)."""
    with open(path, encoding="utf-8") as fh:  # noqa: PTH123 - text mode on purpose, see the module docstring
        return fh.read()
