"""The authors' recorded runs served as a pool: for a task, a model and a role, the recorded answer, its reward,
its cost and whether the judge found it correct.

The data (``role-rl-recorded/`` in the shared data, see its README) holds, for each of three Chinese e-commerce
snippets (Task1 tough, Task2 easy, Task3 medium), each of six LLMs and each of four roles, the LLM's answer and
the reward the authors computed against a judge LLM: ``output_dict_judged_by_Cla.txt`` (judge claude-3-opus)
and ``..._Gem.txt`` (judge gemini-1.5-pro). Files are read from ``olp.settings.data_dir()``; nothing is copied.

Correctness, as the benchmark counts it, is the authors' success state: the recorded reward is positive. That
is the judge's "correct", or an answer close enough to the judge's correction to earn a positive reward (a
locator span with IoU above about 0.5, an organizer text about 91% similar). The reward's parts are recovered
exactly: k = (reward + 0.1 + cost) / 10 (the ``paper`` preset of ``role_rl.reward``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from olp.errors import ConfigError, unknown_name
from olp.evaluation.cost import PAPER_PRICES
from olp.settings import data_dir
from role_rl.reward import PRESETS, RewardConfig, k_to_quality, quality_to_k

#: The authors' pool, in the order of the recorded entries.
MODELS: tuple[str, ...] = (
    "llama3-8b-8192",
    "mixtral-8x7b-32768",
    "command-r",
    "gpt-4o-2024-05-13",
    "gemini-1.5-pro",
    "claude-3-opus-20240229",
)
#: USD per million input / output tokens, from the authors' code (used by the board election).
PRICES_PER_M: dict[str, tuple[float, float]] = {m: PAPER_PRICES[m] for m in MODELS}
#: The four roles the recorded runs cover, in the order of the recorded entries.
ROLES: tuple[str, ...] = ("topic_finder", "topic_locator", "relationship_checker", "content_organizer")
#: The three recorded inputs, easy to tough.
TASKS: tuple[str, ...] = ("Task2", "Task3", "Task1")
#: judge short name -> (file suffix, the judge's model name).
JUDGES: dict[str, tuple[str, str]] = {
    "claude": ("Cla", "claude-3-opus-20240229"),
    "gemini": ("Gem", "gemini-1.5-pro"),
}
REFERENCE_MODEL = "claude-3-opus-20240229"
_ANSWER_KEYS = ("item_list", "Index_list", "Index_list", "result")


@dataclass(frozen=True)
class Recorded:
    """One recorded answer of one model in one role on one task, as judged by one judge.

    Attributes:
        task / model / role / judge: where it comes from (judge: ``claude`` or ``gemini``).
        answer: the recorded answer (finder: topic names; locator and checker: ``[[name, [first, last]], ...]``;
            organizer: the markdown text).
        reward: the recorded reward (the authors' formula, averaged over the role's calls on the task).
        cost_usd: the recorded cost of one of the model's calls: the authors price 25,000 tokens in and out and
            average over the role's calls on the task (a locator call per topic, ...).
        judge_calls: how many judge calls the authors made on this answer.
        judge_cost_usd: the cost of one judge call, comparable with ``cost_usd``. The authors record the judge's
            cost summed over its calls (always a multiple of the judge's price per call), the worker's averaged;
            dividing by the number of calls puts both on the same per-call footing.
        k: the correctness value recovered from the reward (1 right; partial for locator and organizer).
        success: the reward is positive (the authors' success state; what the benchmark counts as correct).
    """

    task: str
    model: str
    role: str
    judge: str
    answer: Any
    reward: float
    cost_usd: float
    judge_calls: int
    judge_cost_usd: float
    k: float

    @property
    def success(self) -> bool:
        return self.reward > 0

    @property
    def judged_correct(self) -> bool:
        """The judge said the answer is right (k = 1), stricter than ``success``."""
        return self.k >= 1.0 - 1e-6

    @property
    def quality(self) -> float:
        """IoU or similarity behind k; for finder and checker the share of right calls (1 right, 0 wrong)."""
        return k_to_quality(self.role, self.k, PRESETS["paper"].wrong)

    def reward_with(self, cfg: RewardConfig, latency_s: float = 0.0) -> float:
        """This answer's reward under another reward setting (the recorded cost; no latency was recorded)."""
        k = quality_to_k(self.role, self.quality, cfg.wrong)
        return cfg.reward(k, self.cost_usd, latency_s)


def recorded_dir(root: Path | None = None) -> Path:
    d = (root or data_dir()) / "role-rl-recorded"
    if not d.is_dir():
        raise ConfigError(f"recorded Role-RL data not found at {d}; set OLP_DATA_DIR to the shared data folder")
    return d


class ReplayData:
    """The recorded answers of one judge file.

    Args:
        judge: ``claude`` or ``gemini`` (whose recorded judgements to use).
        root: the shared data folder (default ``olp.settings.data_dir()``).
    """

    def __init__(self, judge: str = "claude", root: Path | None = None) -> None:
        if judge not in JUDGES:
            raise unknown_name("judge", judge, list(JUDGES))
        self.judge = judge
        self.judge_model = JUDGES[judge][1]
        self.dir = recorded_dir(root)
        self._table = _load(str(self.dir), judge)
        self.tasks = TASKS
        self.models = MODELS
        self.roles = ROLES

    def get(self, task: str, model: str, role: str) -> Recorded:
        """The recorded answer of ``model`` as ``role`` on ``task``."""
        try:
            return self._table[(task, model, role)]
        except KeyError:
            for kind, name, valid in (("task", task, TASKS), ("model", model, MODELS), ("role", role, ROLES)):
                if name not in valid:
                    raise unknown_name(f"replay {kind}", name, list(valid)) from None
            raise

    def sentences(self, task: str) -> list[list[Any]]:
        """The task's input: ``[[sentence_id, sentence], ...]``."""
        return _sentences(str(self.dir), task)

    def features(self, task: str) -> dict[str, float]:
        """Chunk features of a task's input, as the pipeline computes them for a chunk."""
        return chunk_features([text for _id, text in self.sentences(task)])

    def reference_cost(self, task: str, role: str) -> float:
        """Cost of the reference (always claude-3-opus) for one role call on ``task``."""
        return self.get(task, REFERENCE_MODEL, role).cost_usd

    def oracle(self, task: str, role: str) -> Recorded:
        """The cheapest successful model on (task, role); when none succeeds, the one with the highest reward."""
        entries = [self.get(task, m, role) for m in self.models]
        good = [e for e in entries if e.success]
        if good:
            return min(good, key=lambda e: (e.cost_usd, -e.reward))
        return max(entries, key=lambda e: e.reward)

    def best_fixed(self, role: str) -> str:
        """One model per role for every task: most tasks succeeded, then lowest total cost, then highest reward."""

        def key(model: str) -> tuple[int, float, float]:
            es = [self.get(t, model, role) for t in self.tasks]
            return (-sum(e.success for e in es), math.fsum(e.cost_usd for e in es), -sum(e.reward for e in es))

        return min(self.models, key=key)


def chunk_features(texts: list[str]) -> dict[str, float]:
    """Numeric features of a chunk: sentence count, characters per sentence and share of CJK characters."""
    chars = "".join(texts)
    n = len(texts)
    cjk = sum(1 for ch in chars if "\u4e00" <= ch <= "\u9fff")
    return {
        "n_sentences": float(n),
        "chars_per_sentence": len(chars) / n if n else 0.0,
        "zh": cjk / len(chars) if chars else 0.0,
    }


@lru_cache(maxsize=4)
def _load(folder: str, judge: str) -> dict[tuple[str, str, str], Recorded]:
    path = Path(folder) / f"output_dict_judged_by_{JUDGES[judge][0]}.txt"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}; check OLP_DATA_DIR") from None
    paper = PRESETS["paper"]
    table: dict[tuple[str, str, str], Recorded] = {}
    # the judge's price per call: every recorded judge cost is a whole multiple of it
    per_call = min(float(rec["cost"][1]) for es in raw.values() for e in es for rec in e if rec["cost"][1] > 0)
    for file_name, entries in raw.items():
        task = file_name.removesuffix(".txt")
        for model, per_role in zip(MODELS, entries):
            for role, key, rec in zip(ROLES, _ANSWER_KEYS, per_role):
                cost, judge_cost = float(rec["cost"][0]), float(rec["cost"][1])
                reward = float(rec["reward"])
                # invert r = v·k − k2·t − cost (paper preset) for the correctness value k
                k = (reward + paper.k2 * (paper.fixed_latency_s or 0.0) + cost) / paper.v
                n_judge = max(1, round(judge_cost / per_call))
                table[(task, model, role)] = Recorded(task, model, role, judge, rec.get(key), reward, cost,
                                                      n_judge, judge_cost / n_judge, k)
    return table


@lru_cache(maxsize=8)
def _sentences(folder: str, task: str) -> list[list[Any]]:
    path = Path(folder) / f"{task}.txt"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}; check OLP_DATA_DIR") from None
