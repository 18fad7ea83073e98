"""``olp-replay/<model>``: a litellm custom provider that answers role prompts with the authors' recorded answers.

With it the pipeline, the gateway, the board and ``RLCaller`` run on real LLM answers offline, on the three
recorded inputs (``role-rl-recorded/Task{1,2,3}.txt``, Chinese e-commerce: use the ``ecommerce-zh`` profile):

* the chunk is recognised by its sentences (ids and texts of Task1–3);
* ``olp-replay/<authors' model>`` answers the topic finder, locator, relationship checker and content organizer
  from that model's recorded answer (the locator looks the topic up by name, the checker says "same" when the
  model's own checking merged the two names, the organizer files each sentence under the heading the model put
  it under). Other roles and unknown chunks fail, as a model that cannot answer;
* ``olp-replay/judge`` is a board member: it compares an answer with the answer of the model the recorded
  judge scored best on that task and role, and corrects it with that answer.

A pool file entry: ``{model_name: llama3-8b, litellm_params: {model: olp-replay/llama3-8b-8192}}``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from olp.errors import BadModelOutputError
from olp.profiles import PROFILES
from olp.roles.base import extract_json, extract_payload
from role_rl.replay import MODELS, ReplayData
from role_rl.reward import span_iou, text_similarity

PROVIDER = "olp-replay"
JUDGE = "judge"
_ID = re.compile(r"\[\s*(\d+)\s*,")
_HEADING = re.compile(r"^[\s*#\-]*[（(]\s*([1-4])\s*[）)]")
# the recorded organizer headings, in their order: (1) opening (2) price (3) call-to-buy (4) description
_RECORDED_ASPECTS = ("商品开场", "商品价格", "引导购买", "商品介绍和卖点描述")


class ReplayAnswers:
    """Answers role payloads from the recorded runs of one judge file."""

    def __init__(self, judge: str = "claude") -> None:
        self.data = ReplayData(judge)
        self._pairs = {t: {(int(i), s) for i, s in self.data.sentences(t)} for t in self.data.tasks}

    def task_of(self, sentences: list[list[Any]]) -> str:
        """The recorded task whose input holds most of these sentences (at least half of them)."""
        pairs = {(int(i), str(s)) for i, s in sentences}
        if not pairs:
            raise BadModelOutputError("olp-replay: the prompt has no sentences")
        best = max(self.data.tasks, key=lambda t: len(pairs & self._pairs[t]))
        if len(pairs & self._pairs[best]) * 2 < len(pairs):
            raise BadModelOutputError("olp-replay: this chunk is not one of the recorded inputs (Task1-3)")
        return best

    def answer(self, model: str, payload: dict[str, Any]) -> str:
        """The recorded answer of ``model`` (or the replay judge) to one role payload, as answer text."""
        task = payload.get("task")
        if model == JUDGE:
            return self._judge(payload)
        if model not in MODELS:
            raise BadModelOutputError(f"olp-replay: unknown model {model!r}; use one of {', '.join(MODELS)}")
        return self._role(model, str(task), payload)

    def _role(self, model: str, role: str, payload: dict[str, Any]) -> str:
        if role == "topic_finder":
            rec = self.data.get(self.task_of(payload["sentences"]), model, role)
            return json.dumps({"topics": rec.answer}, ensure_ascii=False)
        if role == "topic_locator":
            rec = self.data.get(self.task_of(payload["sentences"]), model, role)
            span = _lookup(rec.answer, payload["topic"])
            if span is None:
                return f"I cannot find {payload['topic']!r} in the text."
            return json.dumps({"first": span[0], "last": span[1]})
        if role == "relationship_checker":
            rows = payload["a"].get("sentences", []) + payload["b"].get("sentences", [])
            rec = self.data.get(self.task_of(rows), model, role)
            names = [n for n, _span in rec.answer]
            a, b = payload["a"]["name"], payload["b"]["name"]
            kept = [n for n in (a, b) if _lookup(rec.answer, n) is not None]
            if len(kept) == 1 and len(names) > 0:  # the model's own checking merged one into the other
                return json.dumps({"same": True, "name": kept[0]}, ensure_ascii=False)
            return json.dumps({"same": False})
        if role == "content_organizer":
            rec = self.data.get(self.task_of(payload["sentences"]), model, role)
            labels = _profile_labels(payload.get("profile"))
            wanted = {int(i) for i, _s in payload["sentences"]}
            aspects: dict[str, list[int]] = {label: [] for label in labels.values()}
            for idx, sid in _organized(rec.answer):
                if sid in wanted and idx in labels:
                    aspects[labels[idx]].append(sid)
            return json.dumps({"aspects": aspects}, ensure_ascii=False)
        raise BadModelOutputError(f"olp-replay: no recorded answers for the {role} role")

    def _judge(self, payload: dict[str, Any]) -> str:
        role, inp, answer = payload["role"], payload["input"], payload["answer"]
        rows = inp.get("sentences") or (inp.get("a", {}).get("sentences", []) + inp.get("b", {}).get("sentences", []))
        task = self.task_of(rows)
        best = max(MODELS, key=lambda m: self.data.get(task, m, role).reward)
        reference = self._role(best, role, {**inp, "task": role, "profile": payload.get("profile")})
        if _agrees(role, answer, reference):
            return json.dumps({"correct": True})
        return json.dumps({"correct": False, "corrected": json.loads(reference) if reference.startswith("{")
                           else reference}, ensure_ascii=False)


def _lookup(index_list: list, topic: str) -> tuple[int, int] | None:
    """A topic's span in a recorded ``[[name, [first, last]], ...]``: exact name, then name without price,
    then one name containing the other."""
    def base(n: str) -> str:
        return re.split(r"[:：]", str(n), maxsplit=1)[0].strip()

    for match in (lambda n: n == topic, lambda n: base(n) == base(topic),
                  lambda n: base(n) and base(topic) and (base(n) in base(topic) or base(topic) in base(n))):
        for name, span in index_list or []:
            if match(name) and isinstance(span, list) and len(span) == 2:
                return int(span[0]), int(span[1])
    return None


def _organized(markdown: str) -> list[tuple[int, int]]:
    """(aspect number 1-4, sentence id) for every quoted sentence of a recorded organizer answer."""
    out, current = [], None
    for line in (markdown or "").splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = int(heading.group(1))
            continue
        if current is not None:
            out.extend((current, int(m.group(1))) for m in _ID.finditer(line))
    return out


def _profile_labels(profile: str | None) -> dict[int, str]:
    """Aspect number in the recorded headings -> the profile's aspect label (matched by name when Chinese)."""
    prof = PROFILES.get(profile or "ecommerce-zh", PROFILES["ecommerce-zh"])
    labels = {a.label: a.label for a in prof.aspects}
    by_number = {}
    for n, recorded in enumerate(_RECORDED_ASPECTS, 1):
        by_number[n] = labels.get(recorded, prof.aspects[min(n, len(prof.aspects)) - 1].label)
    return by_number


def _agrees(role: str, answer: str, reference: str) -> bool:
    """Whether an answer says what the reference says (loosely: spans by IoU, documents by similarity)."""
    try:
        a, r = extract_json(answer), extract_json(reference)
    except BadModelOutputError:
        return False
    if role == "topic_locator" and isinstance(a, dict) and isinstance(r, dict):
        return span_iou((a.get("first"), a.get("last")), (r.get("first"), r.get("last"))) >= 0.5
    if role == "relationship_checker" and isinstance(a, dict) and isinstance(r, dict):
        return a.get("same") == r.get("same")
    if role == "content_organizer":
        return text_similarity(json.dumps(a, sort_keys=True, ensure_ascii=False),
                               json.dumps(r, sort_keys=True, ensure_ascii=False)) >= 0.9
    return a == r


_ANSWERS: dict[str, ReplayAnswers] = {}


def register(judge: str = "claude") -> None:
    """Register ``olp-replay/<model>`` with litellm (idempotent); answers come from ``judge``'s recorded file."""
    import litellm
    from litellm import CustomLLM
    from litellm.utils import custom_llm_setup

    answers = _ANSWERS.setdefault(judge, ReplayAnswers(judge))

    def reply(model: str, messages: list) -> Any:
        name = model.split("/", 1)[1] if "/" in model else model
        text = answers.answer(name, extract_payload(messages))
        return litellm.completion(model="gpt-4o", messages=messages, mock_response=text)

    class Handler(CustomLLM):
        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any):  # type: ignore[override]
            return reply(model, messages)

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any):  # type: ignore[override]
            return reply(model, messages)

    litellm.custom_provider_map = [p for p in litellm.custom_provider_map if p["provider"] != PROVIDER]
    litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": Handler()})
    custom_llm_setup()
