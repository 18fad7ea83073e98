"""A scripted model for tests: a litellm custom provider (``olp-test/<name>``) whose answers a test controls.

Default behaviour reads topic markers from the transcript: a sentence containing ``#name`` talks about topic
``name``. The finder lists marked topics in order; the locator returns the first and last marked sentence; the
checker says two topics are the same when one name contains the other; the organizer puts sentences with a
``$`` under Price and the rest under the default aspect; the splitter keeps the last topic whole.
Tests can override any task with ``ScriptedModel.answers[task] = callable(payload) -> str``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from olp.roles.base import extract_payload

TAG = re.compile(r"#(\w+)")


def _finder(p: dict) -> str:
    names: list[str] = []
    for _id, text in p["sentences"]:
        for name in TAG.findall(text):
            if name not in names:
                names.append(name)
    return json.dumps({"topics": names})


def _locator(p: dict) -> str:
    ids = [i for i, text in p["sentences"] if p["topic"] in TAG.findall(text)]
    return json.dumps({"first": min(ids), "last": max(ids)}) if ids else "I cannot find it."


def _checker(p: dict) -> str:
    a, b = p["a"]["name"], p["b"]["name"]
    same = a in b or b in a
    return json.dumps({"same": True, "name": min(a, b, key=len)} if same else {"same": False})


def _organizer(p: dict) -> str:
    from olp.profiles import get_profile

    prof = get_profile(p["profile"])
    price = prof.aspects[2].label if prof.domain == "ecommerce" else prof.default_aspect
    out: dict[str, list[int]] = {a.label: [] for a in prof.aspects}
    for i, text in p["sentences"]:
        out[price if "$" in text else prof.default_aspect].append(i)
    return json.dumps({"aspects": out})


def _format(p: dict) -> str:
    return json.dumps(p["document"])


def _splitter(p: dict) -> str:
    topics = p["topics"]
    return json.dumps({"next_start": max(t["span"][0] for t in topics) if topics else None})


DEFAULTS: dict[str, Callable[[dict], str]] = {
    "topic_finder": _finder,
    "topic_locator": _locator,
    "relationship_checker": _checker,
    "content_organizer": _organizer,
    "format_checker": _format,
    "chunk_splitter": _splitter,
}


class ScriptedModel:
    """Answers role prompts from ``answers`` (task -> function of the payload); records every payload seen."""

    def __init__(self) -> None:
        self.answers: dict[str, Callable[[dict], str]] = dict(DEFAULTS)
        self.seen: list[dict[str, Any]] = []
        self.params: list[dict[str, Any]] = []  # litellm's optional params of every call (response_format, ...)

    def answer(self, messages: list[dict]) -> str:
        payload = extract_payload(messages)
        self.seen.append(payload)
        return self.answers[payload["task"]](payload)

    def tasks(self, task: str) -> list[dict]:
        return [p for p in self.seen if p["task"] == task]


def install(model: ScriptedModel, provider: str = "olp-test") -> None:
    """Register ``model`` as litellm provider ``provider`` (replacing an earlier registration)."""
    import litellm
    from litellm import CustomLLM, ModelResponse
    from litellm.utils import custom_llm_setup

    class Handler(CustomLLM):
        def completion(self, model: str, messages: list, *args, **kwargs) -> ModelResponse:  # type: ignore[override]
            return litellm.completion(model="gpt-4o", messages=messages, mock_response=_answer(messages))

        async def acompletion(self, model: str, messages: list, *args, **kwargs) -> ModelResponse:  # type: ignore[override]
            model_.params.append(dict(kwargs.get("optional_params") or {}))
            return litellm.completion(model="gpt-4o", messages=messages, mock_response=_answer(messages))

    def _answer(messages: list) -> str:
        return model.answer(messages)

    model_ = model  # the handler's ``model`` argument is litellm's model name

    litellm.custom_provider_map = [p for p in litellm.custom_provider_map if p["provider"] != provider]
    litellm.custom_provider_map.append({"provider": provider, "custom_handler": Handler()})
    custom_llm_setup()


POOL = {
    "model_list": [
        {"model_name": "scripted", "litellm_params": {"model": "olp-test/scripted"},
         "model_info": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}},
    ],
    "olp": {"default_model": "scripted", "num_retries": 0},
}
