"""A simulated pool of the authors' six LLMs, as the litellm custom provider ``olp-sim/<model>``.

Each simulated model answers olp's role prompts (the payload between ``<olp-input>`` tags) from the gold labels
of the synthetic transcripts registered with the pool: **correctly with its calibrated per-role accuracy**, and
otherwise with a plausible wrong answer (a missed or invented topic, a cut or overreaching span, a flipped
same/different verdict, sentences under the wrong aspect, a topic cut at the chunk boundary). Every decision is
seeded by (pool seed, model, prompt text), so the same prompt to the same model always gets the same answer, as
at temperature 0.

Calibration (``ACCURACY``): for the four roles the authors recorded (finder, locator, relationship checker,
content organizer), a model's accuracy in a role is the share of the 3 recorded tasks x 2 judges (claude-3-opus,
gemini-1.5-pro) where its recorded reward in that role is positive (the authors' success state; see
``derive_accuracy`` and ../shared/data/README.md). The format checker and the chunk splitter were never
recorded; **assumption:** each model's accuracy there is the mean of its four recorded roles.

Prices are the authors' (USD per million input / output tokens, ``code/main_Role_RL.py``); token counts are
left to the gateway (the response carries no usage, so the gateway counts the real prompt and answer with
``litellm.token_counter``) and cost follows the real prompt sizes.

Latency: **assumption** (the recorded data has none). A call takes ``(ttft + output_tokens / tokens_per_s) x
jitter``, with time to first token and output speed per model rounded from public mid-2024 measurements of the
providers' APIs (``LATENCY``) and a seeded log-normal jitter (sigma 0.25). ``time_scale`` shortens a run: the
handler sleeps ``latency x time_scale``; the nominal (unscaled) latency of every call is kept in ``ledger``.

Correlation: **assumption.** With probability ``correlation`` (default 0.5) a call's correctness for every model
is decided by one shared "difficulty" draw (a hard prompt is hard for all), otherwise by the model's own draw.
Either way each model is right with exactly its accuracy.

The board: a judge prompt gets a **truthful verdict** from the gold labels (the recorded judgments are the
calibration's ground truth), and when the answer is wrong a correction that is the judge model's own answer to
the role prompt, right with the judge's accuracy in that role (a board is no oracle; it never offers the very
answer it rejects). Two prompt styles are understood: ``role_rl.board``'s payload ``{"task": "judge", "role",
"input", "answer"}``, answered ``{"correct": true}`` or ``{"correct": false, "corrected": ...}``; and the paper's
text prompt quoting the role prompt (``judge_messages``), answered ``Both content and format are correct!`` or
``No, they are wrong. Correct answer: ...``. The ledger marks a judge call ``correct`` when its verdict was.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any

from olp.poolfile import ModelSpec, PoolConfig
from olp.roles.base import PAYLOAD_CLOSE, PAYLOAD_OPEN, extract_json, extract_payload
from olp.roles.topic_finder import base_name
from olp.types import ROLES

PROVIDER = "olp-sim"

# The authors' pool (cheapest first), its prices and the four recorded roles: one definition, in role_rl.replay.
from role_rl.replay import MODELS, PRICES_PER_M  # noqa: E402
from role_rl.replay import ROLES as RECORDED_ROLES  # noqa: E402

#: Share of the 3 tasks x 2 judges with a positive recorded reward, per model and recorded role
#: (finder, locator, checker, organizer); ``derive_accuracy()`` recomputes it from the recorded files.
RECORDED_ACCURACY: dict[str, tuple[float, float, float, float]] = {
    "llama3-8b-8192": (2 / 6, 2 / 6, 0 / 6, 2 / 6),
    "mixtral-8x7b-32768": (1 / 6, 0 / 6, 1 / 6, 2 / 6),
    "command-r": (2 / 6, 4 / 6, 6 / 6, 1 / 6),
    "gpt-4o-2024-05-13": (2 / 6, 1 / 6, 4 / 6, 1 / 6),
    "gemini-1.5-pro": (4 / 6, 6 / 6, 6 / 6, 4 / 6),
    "claude-3-opus-20240229": (6 / 6, 6 / 6, 6 / 6, 4 / 6),
}


def _full_accuracy(recorded: dict[str, tuple[float, ...]]) -> dict[str, dict[str, float]]:
    """Per model and role for all six roles: recorded roles as given, the two unrecorded ones at the mean."""
    out = {}
    for model, shares in recorded.items():
        row = dict(zip(RECORDED_ROLES, shares))
        mean = sum(shares) / len(shares)
        out[model] = {role: row.get(role, mean) for role in ROLES}
    return out


#: Accuracy per model and role, all six roles (format checker and chunk splitter: the mean of the four).
ACCURACY: dict[str, dict[str, float]] = _full_accuracy(RECORDED_ACCURACY)

#: (time to first token in s, output tokens per s): **assumed**, rounded from public mid-2024 API measurements
#: (Groq for llama3-8b and mixtral; Cohere, OpenAI, Google, Anthropic for the others). Not in the recorded data.
LATENCY: dict[str, tuple[float, float]] = {
    "llama3-8b-8192": (0.30, 800.0),
    "mixtral-8x7b-32768": (0.35, 480.0),
    "command-r": (0.45, 75.0),
    "gpt-4o-2024-05-13": (0.50, 85.0),
    "gemini-1.5-pro": (1.00, 60.0),
    "claude-3-opus-20240229": (2.00, 25.0),
}

JUDGE_OK = "Both content and format are correct!"
JUDGE_WRONG = "No, they are wrong"
_JUDGE_TAIL = (
    "\nDo you think the content and the format of the answer are correct? If they are correct, please answer "
    f"'{JUDGE_OK}'; If not, please answer '{JUDGE_WRONG}', and remember to put the correct answer behind "
    "'Correct answer: '"
)


def derive_accuracy(folder: str | None = None) -> dict[str, tuple[float, ...]]:
    """Recompute ``RECORDED_ACCURACY`` from ``role-rl-recorded/output_dict_judged_by_{Cla,Gem}.txt``.

    Args:
        folder: the ``role-rl-recorded`` folder (default: ``olp.settings.data_dir() / "role-rl-recorded"``).
    """
    from pathlib import Path

    from olp.settings import data_dir

    root = Path(folder) if folder else data_dir() / "role-rl-recorded"
    hits = {m: [0] * len(RECORDED_ROLES) for m in MODELS}
    cells = 0
    for judge in ("Cla", "Gem"):
        data = json.loads((root / f"output_dict_judged_by_{judge}.txt").read_text(encoding="utf-8"))
        for task in sorted(data):
            cells += 1
            for i, model in enumerate(MODELS):
                for r in range(len(RECORDED_ROLES)):
                    hits[model][r] += data[task][i][r]["reward"] > 0
    return {m: tuple(h / cells for h in hits[m]) for m in MODELS}


@dataclass(frozen=True)
class CallEntry:
    """One simulated call, as the pool saw it: ``role`` is a role name or ``judge``; latency is nominal."""

    role: str
    model: str
    latency_s: float
    correct: bool


@dataclass
class _Product:
    key: str
    name: str
    price: str
    ids: list[int] = field(default_factory=list)

    @property
    def topic(self) -> str:
        return f"{self.name}: {self.price}"


class SimPool:
    """The simulated models and the gold labels they answer from.

    Args:
        time_scale: the handler sleeps ``nominal latency x time_scale`` (1.0: real time; 0.01: 1%).
        seed: seeds every decision together with the model and the prompt.
        accuracy: per model and role (default ``ACCURACY``).
        latency: per model (ttft s, output tokens/s) (default ``LATENCY``).
        correlation: chance that a call's correctness is decided by a draw shared by all models.
        jitter: sigma of the log-normal latency factor.
    """

    def __init__(self, time_scale: float = 1.0, seed: int = 0, accuracy: dict[str, dict[str, float]] | None = None,
                 latency: dict[str, tuple[float, float]] | None = None, correlation: float = 0.5,
                 jitter: float = 0.25) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = float(time_scale)
        self.seed = int(seed)
        self.accuracy = accuracy or ACCURACY
        self.latency = latency or LATENCY
        self.correlation = float(correlation)
        self.jitter = float(jitter)
        self.models = tuple(self.accuracy)
        self.ledger: list[CallEntry] = []
        self._starts: list[int] = []  # first id of each registered transcript, ascending
        self._ranges: list[tuple[int, int, int]] = []  # (first id, last id, transcript index)
        self._product: dict[int, _Product] = {}
        self._aspect: dict[int, str] = {}
        self._by_name: dict[tuple[int, str], _Product] = {}
        self._names: list[list[_Product]] = []  # per transcript, for invented topics

    # ------------------------------------------------------------------ setup
    def register(self, transcript) -> None:
        """Learn a synthetic transcript's gold labels. Ids must not overlap those of transcripts registered
        before (generate each with its own ``SyntheticConfig(start_id=...)``)."""
        if not transcript.sentences:
            return
        first, last = transcript.sentences[0].id, transcript.sentences[-1].id
        for a, b, _ in self._ranges:
            if first <= b and a <= last:
                raise ValueError(f"sentence ids {first}..{last} overlap a registered transcript ({a}..{b}); "
                                 "generate it with another SyntheticConfig(start_id=...)")
        index = len(self._names)
        products = []
        for gold in transcript.topics:
            slots = transcript.products.get(gold.name, {})
            p = _Product(f"{index}:{gold.name}", gold.name, slots.get("price", "?"), sorted(gold.ids))
            products.append(p)
            self._by_name[(index, gold.name.lower())] = p
            for sid in gold.ids:
                self._product[sid] = p
            self._aspect.update(gold.aspects)
        self._names.append(products)
        pos = bisect.bisect(self._starts, first)
        self._starts.insert(pos, first)
        self._ranges.insert(pos, (first, last, index))

    def pool_config(self, judges: tuple[str, ...] = ("gemini-1.5-pro",), timeout_s: float = 600.0) -> PoolConfig:
        """A pool of the simulated models at the authors' prices (no fallbacks, no retries); ``judges`` form the
        advisory board (the paper's board starts with all weight on gemini-1.5-pro)."""
        models = {
            m: ModelSpec(m, {"model": f"{PROVIDER}/{m}"}, PRICES_PER_M[m][0] / 1e6, PRICES_PER_M[m][1] / 1e6)
            for m in self.models
        }
        top = max(self.models, key=lambda m: sum(self.accuracy[m].values()))
        for j in judges:
            if j not in models:
                raise ValueError(f"unknown judge {j!r}; choose among: {', '.join(self.models)}")
        return PoolConfig(models=models, assignment={r: top for r in ROLES}, judges=tuple(judges),
                          fallbacks={}, timeout_s=timeout_s, num_retries=0, source="olp-sim")

    def install(self) -> None:
        """Register this pool as litellm's ``olp-sim`` provider (replacing an earlier simulated pool)."""
        install(self)

    # ------------------------------------------------------------------ answering
    def answer(self, model: str, messages: list[dict[str, Any]]) -> tuple[str, float]:
        """The answer text and the nominal latency (s) of ``model`` for a role or judge prompt."""
        model = model.split("/", 1)[1] if model.startswith(PROVIDER + "/") else model
        if model not in self.accuracy:
            raise ValueError(f"unknown simulated model {model!r}; choose one of: {', '.join(self.models)}")
        content = _last_user(messages)
        judged = _split_judge(content)
        if judged is not None:  # the paper's judge prompt, quoting the role prompt: the paper's reply style
            question, worker_answer = judged
            payload = extract_payload([{"role": "user", "content": question}])
            right, corrected = self._verdict(model, payload, worker_answer, question)
            text = JUDGE_OK if right else f"{JUDGE_WRONG}. Correct answer: {corrected}"
            role, correct_flag = "judge", right
        else:
            payload = extract_payload(messages)
            role = payload.get("task", "")
            if role == "judge":  # role_rl's board: the role's payload and the answer, a JSON reply
                inner = {"task": payload.get("role"), "profile": payload.get("profile"), **(payload.get("input") or {})}
                right, corrected = self._verdict(model, inner, str(payload.get("answer", "")),
                                                 json.dumps(inner, sort_keys=True, ensure_ascii=False))
                reply: dict[str, Any] = {"correct": right}
                if not right:
                    reply["corrected"] = json.loads(corrected)
                text, correct_flag = json.dumps(reply, ensure_ascii=False), right
            else:
                if role not in _CORRECT:
                    raise ValueError(f"the simulated pool cannot answer task {role!r}")
                right_answer = _CORRECT[role](self, payload)
                correct_flag, text = self._decide(model, role, payload, self._digest(content), right_answer)
        latency = self._latency(model, content, text)
        self.ledger.append(CallEntry(role, model, latency, correct_flag))
        return text, latency

    def is_correct(self, model: str, messages: list[dict[str, Any]]) -> bool:
        """Whether ``model`` would answer this role prompt correctly (the decision ``answer`` makes)."""
        payload = extract_payload(messages)
        role = payload.get("task", "")
        return self._decide(model, role, payload, self._digest(_last_user(messages)), _CORRECT[role](self, payload))[0]

    def oracle_model(self, messages: list[dict[str, Any]]) -> str:
        """The cheapest model that answers this role prompt correctly (the cheapest model when none does).

        Models are ranked by the price of this prompt and of the correct answer (the same text for every model
        that gets it right), with characters standing in for tokens: only the order matters.
        """
        content = _last_user(messages)
        payload = extract_payload(messages)
        role, digest = payload.get("task", ""), self._digest(content)
        right = _CORRECT[role](self, payload)
        out_chars = len(json.dumps(right, ensure_ascii=False))

        def cost(m: str) -> float:
            p_in, p_out = PRICES_PER_M[m]
            return p_in * len(content) + p_out * out_chars

        ranked = sorted(self.models, key=cost)
        return next((m for m in ranked if self._decide(m, role, payload, digest, right)[0]), ranked[0])

    def is_right(self, role: str, payload: dict[str, Any], answer: Any) -> bool:
        """Whether an answer (text or parsed value; None for no answer) to a role payload is the correct one."""
        return _key(role, answer) == _key(role, _CORRECT[role](self, payload))

    # ------------------------------------------------------------------ decisions
    def _verdict(self, judge: str, payload: dict, worker_answer: str, question: str) -> tuple[bool, str | None]:
        """A truthful verdict on an answer to a role payload, and when wrong the judge's correction: its own
        answer to the question (right with its accuracy), never the very answer it rejects."""
        task = payload.get("task", "")
        if task not in _CORRECT:
            raise ValueError(f"the simulated pool cannot judge task {task!r}")
        right = _CORRECT[task](self, payload)
        if _key(task, worker_answer) == _key(task, right):
            return True, None
        digest = self._digest(question)
        ok, corrected = self._decide(judge, task, payload, digest, right)
        if not ok and _key(task, corrected) == _key(task, worker_answer):
            rng = random.Random(digest + judge.encode() + b"correction")
            corrected = json.dumps(_WRONG[task](self, payload, right, rng), ensure_ascii=False)
            if _key(task, corrected) == _key(task, worker_answer):  # a yes/no kind of answer: the only
                corrected = json.dumps(right, ensure_ascii=False)  # other answer is the right one
        return False, corrected

    def _digest(self, content: str) -> bytes:
        return hashlib.blake2b(f"{self.seed}\x00{content}".encode(), digest_size=16).digest()

    @staticmethod
    def _u(digest: bytes, tag: str) -> float:
        h = hashlib.blake2b(digest + tag.encode(), digest_size=8).digest()
        return int.from_bytes(h, "big") / 2.0**64

    def _correct(self, model: str, role: str, digest: bytes) -> bool:
        acc = self.accuracy[model].get(role, 1.0)
        shared = self._u(digest, "shared?") < self.correlation
        return self._u(digest, "difficulty" if shared else model) < acc

    def _decide(self, model: str, role: str, payload: dict, digest: bytes, right: Any) -> tuple[bool, str]:
        """(correct, answer text): the right answer with the model's accuracy, else a plausible wrong one (which
        counts as right when it happens to equal the right one, e.g. when the chunk leaves nothing to get wrong)."""
        if self._correct(model, role, digest):
            return True, json.dumps(right, ensure_ascii=False)
        rng = random.Random(digest + model.encode() + b"wrong")
        text = json.dumps(_WRONG[role](self, payload, right, rng), ensure_ascii=False)
        return _key(role, text) == _key(role, right), text

    def _latency(self, model: str, content: str, text: str) -> float:
        ttft, tps = self.latency[model]
        rng = random.Random(self._digest(content) + model.encode() + b"latency")
        factor = rng.lognormvariate(0.0, self.jitter) if self.jitter else 1.0
        return (ttft + _tokens(text) / tps) * factor

    # ------------------------------------------------------------------ gold answers
    def _transcript(self, sid: int) -> int | None:
        pos = bisect.bisect(self._starts, sid) - 1
        if pos < 0:
            return None
        first, last, index = self._ranges[pos]
        return index if sid <= last else None

    def _resolve(self, name: str, ids: list[int]) -> _Product | None:
        """The gold product a topic name means (by its name without the price), in the chunk's transcript."""
        index = next((t for t in (self._transcript(i) for i in ids) if t is not None), None)
        if index is None:
            return None
        return self._by_name.get((index, base_name(str(name)).lower())) or self._by_name.get((index, str(name).lower()))

    def _majority(self, ids: list[int]) -> _Product | None:
        counts: dict[str, tuple[int, _Product]] = {}
        for i in ids:
            p = self._product.get(i)
            if p is not None:
                counts[p.key] = (counts.get(p.key, (0, p))[0] + 1, p)
        return max(counts.values(), key=lambda c: c[0])[1] if counts else None

    def _chunk_products(self, ids: list[int]) -> list[_Product]:
        seen: dict[str, _Product] = {}
        for i in ids:
            p = self._product.get(i)
            if p is not None and p.key not in seen:
                seen[p.key] = p
        return list(seen.values())

    def correct_text(self, payload: dict[str, Any]) -> str:
        """The correct answer to a role payload, in the role's answer format."""
        task = payload.get("task")
        fn = _CORRECT.get(task)
        if fn is None:
            raise ValueError(f"the simulated pool cannot answer task {task!r}")
        return json.dumps(fn(self, payload), ensure_ascii=False)


# ---------------------------------------------------------------------- correct answers per role
def _ids(rows: list) -> list[int]:
    return [int(r[0]) for r in rows]


def _finder(sim: SimPool, p: dict) -> dict:
    return {"topics": [x.topic for x in sim._chunk_products(_ids(p["sentences"]))]}


def _locator(sim: SimPool, p: dict) -> dict:
    ids = _ids(p["sentences"])
    prod = sim._resolve(p["topic"], ids)
    inside = [i for i in ids if prod is not None and sim._product.get(i) is prod]
    if not inside:
        return {"first": None, "last": None}  # not in this chunk: no span (the role rejects it)
    return {"first": inside[0], "last": inside[-1]}


def _ref_product(sim: SimPool, ref: dict) -> _Product | None:
    a, b = ref["span"]
    by_content = sim._majority(list(range(int(a), int(b) + 1)))
    return by_content or sim._resolve(ref["name"], _ids(ref["sentences"]) or [int(a)])


def _checker(sim: SimPool, p: dict) -> dict:
    pa, pb = _ref_product(sim, p["a"]), _ref_product(sim, p["b"])
    if pa is not None and pa is pb:
        return {"same": True, "name": pa.topic}
    return {"same": False}


def _profile(p: dict) -> tuple[list[str], str]:
    from olp.profiles import get_profile

    prof = get_profile(p["profile"])
    return prof.aspect_labels, prof.default_aspect


def _organizer(sim: SimPool, p: dict) -> dict:
    labels, default = _profile(p)
    out: dict[str, list[int]] = {label: [] for label in labels}
    for i in _ids(p["sentences"]):
        out[sim._aspect.get(i, default)].append(i)
    return {"aspects": out}


def _format(sim: SimPool, p: dict) -> dict:
    labels, default = _profile(p)
    allowed = [int(i) for i in p["allowed"]]
    allowed_set = set(allowed)
    placed: dict[int, str] = {}
    for label, ids in (p["document"].get("aspects") or {}).items():
        if label not in labels or not isinstance(ids, list):
            continue
        for i in ids:
            i = i.get("id") if isinstance(i, dict) else i
            if isinstance(i, int) and i in allowed_set and i not in placed:
                placed[i] = label
    out: dict[str, list[int]] = {label: [] for label in labels}
    for i in sorted(allowed):
        out[placed.get(i, default)].append(i)
    return {"topic": p["document"].get("topic") or "", "aspects": out}


def _splitter(sim: SimPool, p: dict) -> dict:
    ids = _ids(p["sentences"])
    end = int(p["chunk_end"])
    last = next((i for i in reversed(ids) if i <= end and i in sim._product), None)
    if last is None:
        return {"next_start": None}
    prod = sim._product[last]
    if prod.ids[-1] <= end:
        return {"next_start": None}  # the chunk's last product is finished: nothing to read again
    inside = [i for i in ids if sim._product.get(i) is prod]
    # start at the located topic that holds the open product, so that it is read again whole
    best, overlap = None, 0
    for t in p["topics"]:
        a, b = int(t["span"][0]), int(t["span"][1])
        n = sum(1 for i in inside if a <= i <= b)
        if n > overlap:
            best, overlap = a, n
    return {"next_start": best if best is not None else inside[0]}


_CORRECT = {"topic_finder": _finder, "topic_locator": _locator, "relationship_checker": _checker,
            "content_organizer": _organizer, "format_checker": _format, "chunk_splitter": _splitter}


# ---------------------------------------------------------------------- plausible wrong answers per role
def _wrong_finder(sim: SimPool, p: dict, right: dict, rng: random.Random) -> dict:
    topics = list(right["topics"])
    if topics and rng.random() < 0.6:
        topics.pop(rng.randrange(len(topics)))  # a missed topic
        return {"topics": topics}
    index = sim._transcript(_ids(p["sentences"])[0]) if p["sentences"] else None
    pool = [x.topic for x in (sim._names[index] if index is not None else []) if x.topic not in topics]
    invented = rng.choice(pool) if pool else "mystery gift box: $9.99"  # a topic that is not in the chunk
    topics.insert(rng.randint(0, len(topics)), invented)
    return {"topics": topics}


def _wrong_locator(sim: SimPool, p: dict, right: dict, rng: random.Random) -> dict:
    ids = _ids(p["sentences"])
    if not ids:
        return right
    if right.get("first") is None:  # an invented topic: a made-up span
        a = rng.randrange(len(ids))
        return {"first": ids[a], "last": ids[min(len(ids) - 1, a + rng.randint(2, 14))]}
    f0, l0 = ids.index(right["first"]), ids.index(right["last"])
    for _ in range(4):
        fa, la = f0, l0
        mode = rng.random()
        if mode < 0.4 and la > fa:  # cut: only one half of the topic
            mid = (fa + la) // 2
            fa, la = (fa, mid) if rng.random() < 0.5 else (mid + 1, la)
        elif mode < 0.8 or la == fa:  # overreach into the neighbouring text
            grow = rng.randint(5, 20)
            if rng.random() < 0.5:
                la = min(len(ids) - 1, la + grow)
            else:
                fa = max(0, fa - grow)
        else:  # another stretch of the chunk
            fa = rng.randrange(len(ids))
            la = min(len(ids) - 1, fa + l0 - f0)
        if (fa, la) != (f0, l0):
            return {"first": ids[fa], "last": ids[la]}
    # the topic fills the chunk: any other span is wrong
    edge = 0 if f0 > 0 else len(ids) - 1
    return {"first": ids[edge], "last": ids[edge]}


def _wrong_checker(sim: SimPool, p: dict, right: dict, rng: random.Random) -> dict:
    if right["same"]:
        return {"same": False}
    return {"same": True, "name": p["a"]["name"]}


def _wrong_organizer(sim: SimPool, p: dict, right: dict, rng: random.Random) -> dict:
    aspects = {k: list(v) for k, v in right["aspects"].items()}
    labels = list(aspects)
    placed = [(i, label) for label, ids in aspects.items() for i in ids]
    if not placed:
        return right
    k = max(1, round(len(placed) * rng.uniform(0.2, 0.5)))  # a fifth to a half of the sentences misplaced
    for i, label in rng.sample(placed, k):
        aspects[label].remove(i)
        aspects[rng.choice([x for x in labels if x != label])].append(i)
    return {"aspects": {k2: sorted(v) for k2, v in aspects.items()}}


def _wrong_format(sim: SimPool, p: dict, right: dict, rng: random.Random) -> dict:
    aspects = {k: list(v) for k, v in right["aspects"].items()}
    full = [k for k, v in aspects.items() if v]
    if not full:
        return right
    src = rng.choice(full)  # one section lost its header: its sentences land under another aspect
    dst = rng.choice([k for k in aspects if k != src])
    aspects[dst] = sorted(aspects[dst] + aspects[src])
    aspects[src] = []
    return {"topic": right["topic"], "aspects": aspects}


def _wrong_splitter(sim: SimPool, p: dict, right: dict, rng: random.Random) -> dict:
    if right["next_start"] is not None:
        return {"next_start": None}  # the open topic is cut at the chunk boundary
    topics = p["topics"]
    if topics:
        return {"next_start": int(max(topics, key=lambda t: (t["span"][1], t["span"][0]))["span"][0])}
    ids = _ids(p["sentences"])
    return {"next_start": ids[len(ids) // 2] if ids else None}


_WRONG = {"topic_finder": _wrong_finder, "topic_locator": _wrong_locator, "relationship_checker": _wrong_checker,
          "content_organizer": _wrong_organizer, "format_checker": _wrong_format, "chunk_splitter": _wrong_splitter}


# ---------------------------------------------------------------------- comparing answers
def _key(role: str, value: Any) -> Any:
    """A comparable form of an answer (text or parsed value) to a role payload; None when it has none."""
    if isinstance(value, str):
        try:
            value = extract_json(value)
        except Exception:
            return None
    if role == "topic_finder":
        items = value.get("topics") if isinstance(value, dict) else value
        return tuple(base_name(str(x)).strip().lower() for x in items) if isinstance(items, (list, tuple)) else None
    if role == "topic_locator":
        if isinstance(value, dict):
            value = (value.get("first"), value.get("last"))
        try:
            return (int(value[0]), int(value[1]))
        except (TypeError, ValueError, IndexError):
            return None
    if role == "relationship_checker":
        same = getattr(value, "same", None)
        if same is None and isinstance(value, dict):
            same = value.get("same")
        return same if isinstance(same, bool) else None
    if role in ("content_organizer", "format_checker"):
        aspects = getattr(value, "aspects", None)
        if aspects is None and isinstance(value, dict):
            aspects = value.get("aspects", value)
        if not isinstance(aspects, dict):
            return None
        return tuple(sorted((str(k), tuple(sorted(int(i) for i in v))) for k, v in aspects.items() if v))
    if role == "chunk_splitter":
        if isinstance(value, dict):
            value = value.get("next_start")
        return None if value is None else int(value)
    return None


# ---------------------------------------------------------------------- prompts and helpers
def judge_messages(question: str, answer: str) -> list[dict[str, str]]:
    """The paper's judge prompt about a role prompt's user text and an answer (what the simulated board reads)."""
    return [{"role": "user", "content": f" - Question: {question}\n - Answer: {answer}{_JUDGE_TAIL}"}]


def parse_verdict(text: str) -> tuple[bool, str | None]:
    """A judge reply: (correct, the corrected answer text or None). Wrong when it carries a correction."""
    if "Correct answer:" in text and "are correct!" not in text:
        return False, text.split("Correct answer:", 1)[1].strip()
    return "are correct!" in text, None


def _split_judge(content: str) -> tuple[str, str] | None:
    """(the quoted role prompt, the answer) of a judge prompt; None for a role prompt."""
    if not content.startswith(" - Question: ") or "Correct answer" not in content:
        return None
    close = content.rfind(PAYLOAD_CLOSE)
    cut = content.find("\n - Answer: ", close)
    if close == -1 or cut == -1:
        return None
    tail = content[cut + len("\n - Answer: "):]
    end = tail.rfind("\nDo you think")
    return content[len(" - Question: "):cut], tail[:end] if end != -1 else tail


def _last_user(messages: list[dict[str, Any]]) -> str:
    for msg in reversed(messages):
        content = msg.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if PAYLOAD_OPEN in content or msg.get("role") == "user":
            return content
    return ""


_CJK = re.compile(r"[\u3000-\u9fff]")


def _tokens(text: str) -> float:
    """A quick output-token estimate for latency (the gateway counts the billed tokens exactly)."""
    cjk = len(_CJK.findall(text))
    return max(1.0, cjk + (len(text) - cjk) / 3.0)


# ---------------------------------------------------------------------- the litellm provider
_active: SimPool | None = None
_handler = None


def install(sim: SimPool) -> None:
    """Make ``sim`` the pool that answers ``olp-sim/<model>`` calls through litellm."""
    global _active, _handler
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm
    from litellm.utils import custom_llm_setup

    _active = sim
    if _handler is None:
        _handler = _make_handler()
    if not any(p.get("provider") == PROVIDER and p.get("custom_handler") is _handler
               for p in litellm.custom_provider_map):
        litellm.custom_provider_map = [p for p in litellm.custom_provider_map if p.get("provider") != PROVIDER]
        litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": _handler})
    custom_llm_setup()


def _make_handler():
    import asyncio

    import litellm
    from litellm import CustomLLM

    def respond(model: str, messages: list, model_response) -> tuple[Any, float]:
        if _active is None:
            raise litellm.BadRequestError(message="no simulated pool installed", model=model, llm_provider=PROVIDER)
        try:
            text, latency = _active.answer(model, messages)
        except Exception as exc:  # a prompt the pool cannot answer: a bad request, like a real provider's
            raise litellm.BadRequestError(message=f"{PROVIDER}: {exc}", model=model, llm_provider=PROVIDER) from None
        response = model_response or litellm.ModelResponse()
        response.choices[0].message.content = text
        response.choices[0].finish_reason = "stop"
        response.model = model
        return response, latency  # no usage: the gateway counts the tokens of the real prompt and answer

    class SimLLM(CustomLLM):
        """litellm handler for ``olp-sim/<model>``: see ``olp.bench.simpool``."""

        def completion(self, model, messages, *args, model_response=None, **kwargs):
            import time

            response, latency = respond(model, messages, model_response)
            time.sleep(latency * (_active.time_scale if _active else 0.0))
            return response

        async def acompletion(self, model, messages, *args, model_response=None, **kwargs):
            response, latency = respond(model, messages, model_response)
            await asyncio.sleep(latency * (_active.time_scale if _active else 0.0))
            return response

    return SimLLM()


def best_per_role(accuracy: dict[str, dict[str, float]] | None = None) -> dict[str, str]:
    """The static assignment the calibration recommends: per role the most accurate model, the cheaper on a tie."""
    acc = accuracy or ACCURACY
    return {r: max(acc, key=lambda m: (acc[m][r], -sum(PRICES_PER_M[m]))) for r in ROLES}


def accuracy_table_md(accuracy: dict[str, dict[str, float]] | None = None) -> str:
    """The calibration table in markdown (models x roles), for docs and reports."""
    acc = accuracy or ACCURACY
    head = "| model | " + " | ".join(r.replace("_", " ") for r in ROLES) + " | $/1M in | $/1M out | ttft s | tok/s |"
    lines = [head, "|" + "---|" * (len(ROLES) + 5)]
    for m in acc:
        cells = " | ".join(f"{acc[m][r]:.3f}" for r in ROLES)
        p_in, p_out = PRICES_PER_M[m]
        ttft, tps = LATENCY[m]
        lines.append(f"| {m} | {cells} | {p_in:g} | {p_out:g} | {ttft:g} | {tps:g} |")
    return "\n".join(lines)
