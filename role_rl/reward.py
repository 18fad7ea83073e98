"""The reward of one answer: r = v·k − k1·cost_usd − k2·latency_s, with role-specific correctness k.

k is the authors' correctness value (``code/main_Role_RL.py``), with the value of a wrong answer as a setting:

* a right answer (the board says so) scores k = 1;
* topic finder and relationship checker are right or wrong: k = ``wrong``. The finder still counts as right when
  its answer equals the corrected one (spaces ignored, order kept), and the checker when its yes/no agrees with
  the corrected yes/no, as in the authors' code;
* topic locator: k = 2·IoU − 1, IoU of the answered and the corrected sentence span;
* content organizer (and format checker): k = sim·(1 − wrong) + wrong, sim = normalized Levenshtein similarity of
  the dumped answers (1 − distance / longer length);
* chunk splitter: right or wrong, like the finder.

Presets:

* ``olp`` (default): v = 1, wrong = −1, k1 = 10 per USD, k2 = 0.01 per second. A wrong answer weighs as much as a
  right one (the authors' −10 makes a failure count ten times a success), a call costing one cent weighs 0.1 (a
  tenth of a right answer) and so do ten seconds of waiting. Cost and latency are the call's measured values.
* ``paper``: the authors' exact formula: v = 10, wrong = −10, k1 = 1, k2 = 0.1, latency fixed at t = 1 s and token
  counts fixed at 25,000 in and 25,000 out (so cost is a price, not a measurement). On the recorded data
  (``role_rl.replay``) it reproduces the stored rewards.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from olp.errors import unknown_name

#: Roles whose correctness is a span overlap, a text similarity, or right/wrong.
SPAN_ROLES = frozenset({"topic_locator"})
TEXT_ROLES = frozenset({"content_organizer", "format_checker"})


@dataclass(frozen=True)
class RewardConfig:
    """Weights of the reward r = v·k − k1·cost_usd − k2·latency_s.

    Attributes:
        v: value of a right answer (k = 1).
        wrong: k of a wrong answer that earns no partial credit (finder, checker, splitter); also the floor of
            the organizer's similarity scale.
        k1: reward lost per USD of model cost.
        k2: reward lost per second of latency.
        fixed_latency_s: when set, every call counts this latency instead of the measured one (paper: 1 s).
        fixed_tokens: when set, cost is priced for this many input and output tokens instead of the counted
            ones (paper: 25,000), so each model has one cost per call.
        name: the preset's name, for reports.
    """

    v: float = 1.0
    wrong: float = -1.0
    k1: float = 10.0
    k2: float = 0.01
    fixed_latency_s: float | None = None
    fixed_tokens: int | None = None
    name: str = "olp"

    def reward(self, k: float, cost_usd: float, latency_s: float) -> float:
        """r = v·k − k1·cost − k2·latency (the fixed latency, when configured, replaces the measured one)."""
        t = self.fixed_latency_s if self.fixed_latency_s is not None else latency_s
        return self.v * k - self.k1 * cost_usd - self.k2 * t

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, RewardConfig] = {
    "olp": RewardConfig(),
    "paper": RewardConfig(v=10.0, wrong=-10.0, k1=1.0, k2=0.1, fixed_latency_s=1.0, fixed_tokens=25_000,
                          name="paper"),
}


def preset(name: str) -> RewardConfig:
    """A named reward preset (``olp`` or ``paper``)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise unknown_name("reward preset", name, list(PRESETS)) from None


def span_iou(a: tuple[int, int] | list[int], b: tuple[int, int] | list[int]) -> float:
    """IoU of two inclusive sentence-id spans ``[first, last]`` (a one-sentence span has length 1).

    The authors measure ``last − first`` (so a one-sentence span has length 0); counting sentences is what
    the spans mean. Malformed spans give 0.
    """
    try:
        a1, a2 = sorted((int(a[0]), int(a[1])))
        b1, b2 = sorted((int(b[0]), int(b[1])))
    except (TypeError, ValueError, IndexError):
        return 0.0
    inter = max(0, min(a2, b2) - max(a1, b1) + 1)
    union = (a2 - a1 + 1) + (b2 - b1 + 1) - inter
    return inter / union if union > 0 else 0.0


def text_similarity(a: str, b: str) -> float:
    """1 − Levenshtein distance / the longer length (1.0 for two empty strings)."""
    import Levenshtein

    if not a and not b:
        return 1.0
    return 1.0 - Levenshtein.distance(a, b) / max(len(a), len(b))


def _yes_no(value: Any) -> bool | None:
    """The yes/no of a relationship-checker answer: a parsed answer (``.same``), a bool, or text."""
    same = getattr(value, "same", value)
    if isinstance(same, bool):
        return same
    if isinstance(same, dict):
        s = same.get("same")
        return s if isinstance(s, bool) else None
    if isinstance(same, str):
        text = same.strip().lower()
        if re.search(r'"same"\s*:\s*true', text) or re.match(r"^(yes|是|true)", text):
            return True
        if re.search(r'"same"\s*:\s*false', text) or re.match(r"^(no|否|不|false)", text):
            return False
    return None


def _nospace(value: Any) -> str:
    return re.sub(r"\s+", "", value if isinstance(value, str) else repr(value))


def correctness(
    role: str,
    correct: bool,
    answer: Any = None,
    corrected: Any = None,
    *,
    wrong: float = -1.0,
    answer_text: str | None = None,
    corrected_text: str | None = None,
) -> float:
    """The correctness value k of one answer, given the board's verdict and its corrected answer.

    Args:
        role: the role name (one of ``olp.types.ROLES``).
        correct: the board's verdict.
        answer / corrected: the parsed worker answer and the parsed corrected answer (None when the board gave
            no usable correction: then a wrong answer scores ``wrong``).
        wrong: k of a wrong answer with no partial credit.
        answer_text / corrected_text: the dumped answers, compared for the organizer's similarity (defaults
            to ``str`` of the values).

    Returns:
        k in [min(wrong, −1), 1].
    """
    if correct:
        return 1.0
    if corrected is None and corrected_text is None:
        return wrong
    if role in SPAN_ROLES:
        return 2.0 * span_iou(answer, corrected) - 1.0 if answer is not None and corrected is not None else wrong
    if role in TEXT_ROLES:
        a = answer_text if answer_text is not None else ("" if answer is None else str(answer))
        b = corrected_text if corrected_text is not None else ("" if corrected is None else str(corrected))
        return text_similarity(a, b) * (1.0 - wrong) + wrong
    if role == "relationship_checker":
        mine, theirs = _yes_no(answer if answer is not None else answer_text), _yes_no(
            corrected if corrected is not None else corrected_text)
        return 1.0 if mine is not None and mine == theirs else wrong
    # finder, splitter: right only when the answer is the correction (spaces ignored)
    a = answer_text if answer_text is not None else answer
    b = corrected_text if corrected_text is not None else corrected
    return 1.0 if a is not None and b is not None and _nospace(a) == _nospace(b) else wrong


def quality_to_k(role: str, quality: float, wrong: float) -> float:
    """k from a quality in [0, 1]: IoU for the locator, similarity for text roles, the share of right calls for
    right-or-wrong roles (a role's k averaged over several calls of one chunk is such a share)."""
    if role in SPAN_ROLES:
        return 2.0 * quality - 1.0
    return quality * (1.0 - wrong) + wrong


def k_to_quality(role: str, k: float, wrong: float) -> float:
    """The inverse of ``quality_to_k``, clipped to [0, 1]."""
    if role in SPAN_ROLES:
        q = (k + 1.0) / 2.0
    else:
        q = (k - wrong) / (1.0 - wrong) if wrong < 1.0 else float(k >= 1.0)
    return min(1.0, max(0.0, q))
