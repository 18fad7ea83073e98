"""The oracle: a litellm "model" (``olp-oracle/labels``) that answers every role from the OLP-MINI hand labels.

Fed through the same pipeline as the engines (``olp.bench.common.run_stream`` with ``oracle_pool()``), it shows
what the pipeline's own logic (chunking, tiling, merging, hold-back, splitting) loses when every answer that the
labels can give is perfect, apart from what the engines miss.

Answers, per role (the chunk is the payload's sentences):

* topic finder: the labelled products with a sentence in the chunk, in order of their first sentence there,
  each named ``"name: price"`` (just ``name`` when unpriced);
* topic locator: the named product's first and last sentence id within the chunk;
* relationship checker: same iff both names are the same labelled product;
* content organizer: the ``quality`` local engine's aspects (the labels have no aspects);
* format checker: the document as given (pass-through);
* chunk splitter: when the product being talked about at the chunk's end goes on after it (the next labelled
  sentence after the chunk is its own), the first id of that product's topic in the chunk; otherwise null.

The labels reach the handler through a context variable set around one stream's run (``with labelled(t):``);
asyncio tasks started inside copy it, so concurrent streams in one process each see their own.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from olp.evaluation.products import Transcript

PROVIDER = "olp-oracle"
MODEL = f"{PROVIDER}/labels"
#: The pool's name for the oracle (it appears in documents' ``models``).
NAME = "oracle (labels)"


@dataclass(frozen=True)
class _Labels:
    """One transcript's products, indexed for the answers: a unique name per product, id -> product."""

    names: tuple[str, ...]
    ids: tuple[frozenset[int], ...]
    owner: dict[int, int]  # sentence id -> product index
    order: tuple[int, ...]  # every labelled sentence id, ascending

    @classmethod
    def of(cls, transcript: Transcript) -> "_Labels":
        names: list[str] = []
        seen: dict[str, int] = {}
        for p in transcript.products:
            base = f"{p.name}: {p.price}" if p.price else p.name
            seen[base] = seen.get(base, 0) + 1
            names.append(base if seen[base] == 1 else f"{base} #{seen[base]}")  # two products, one label text
        owner = {i: k for k, p in enumerate(transcript.products) for i in p.ids}
        return cls(tuple(names), tuple(p.ids for p in transcript.products), owner, tuple(sorted(owner)))

    def product(self, name: Any) -> int | None:
        try:
            return self.names.index(str(name))
        except ValueError:
            return None


_current: ContextVar[_Labels | None] = ContextVar("olp_oracle_labels", default=None)


@contextmanager
def labelled(transcript: Transcript) -> Iterator[None]:
    """Within the block, the oracle answers from ``transcript``'s labels."""
    token = _current.set(_Labels.of(transcript))
    try:
        yield
    finally:
        _current.reset(token)


def _chunk_ids(rows: Any) -> list[int]:
    return [int(r[0]) for r in rows or [] if isinstance(r, (list, tuple)) and r and isinstance(r[0], int)]


def answer(payload: dict[str, Any]) -> dict[str, Any]:
    """The oracle's answer to one role payload (raises ``LookupError`` outside ``labelled``)."""
    labels = _current.get()
    if labels is None:
        raise LookupError(f"{MODEL} answers only inside olp.bench.oracle.labelled(transcript)")
    task = payload.get("task")
    if task == "topic_finder":
        ids = _chunk_ids(payload.get("sentences"))
        first: dict[int, int] = {}
        for i in ids:
            k = labels.owner.get(i)
            if k is not None and k not in first:
                first[k] = i
        return {"topics": [labels.names[k] for k in sorted(first, key=first.__getitem__)]}
    if task == "topic_locator":
        ids = _chunk_ids(payload.get("sentences"))
        k = labels.product(payload.get("topic"))
        inside = [i for i in ids if k is not None and i in labels.ids[k]]
        return {"first": inside[0], "last": inside[-1]} if inside else {"first": None, "last": None}
    if task == "relationship_checker":
        a, b = (labels.product((payload.get(x) or {}).get("name")) for x in ("a", "b"))
        same = a is not None and a == b
        return {"same": same, "name": labels.names[a]} if same and a is not None else {"same": False}
    if task == "content_organizer":
        from olp.engines import get_engine

        return get_engine("quality").answer(payload)
    if task == "format_checker":
        doc = payload.get("document") or {}
        return {"topic": doc.get("topic"), "aspects": doc.get("aspects") or {}}
    if task == "chunk_splitter":
        return {"next_start": _next_start(labels, payload)}
    raise ValueError(f"{MODEL} does not answer task {task!r}")


def _next_start(labels: _Labels, payload: dict[str, Any]) -> int | None:
    end = payload.get("chunk_end")
    if not isinstance(end, int):
        return None
    at = bisect.bisect_right(labels.order, end)
    if at == 0 or at == len(labels.order):
        return None
    current, following = labels.owner[labels.order[at - 1]], labels.owner[labels.order[at]]
    if current != following:
        return None  # the product talked about last has ended; the next one starts after the chunk
    topics = [t for t in payload.get("topics") or []
              if isinstance(t, dict) and labels.product(t.get("name")) == current]
    if topics:
        return max(int(t["span"][0]) for t in topics)
    inside = [i for i in _chunk_ids(payload.get("sentences")) if i in labels.ids[current]]
    return inside[0] if inside else None


# ---------------------------------------------------------------------- litellm wiring
_handler = None


def _make_handler():
    import litellm
    from litellm import CustomLLM

    from olp.roles.base import extract_payload

    def respond(model: str, messages: list[dict[str, Any]], model_response) -> Any:
        started = time.perf_counter()
        try:
            payload = extract_payload(messages)
            text = json.dumps(answer(payload), ensure_ascii=False)
        except (LookupError, ValueError) as exc:
            raise litellm.BadRequestError(message=f"{MODEL}: {exc}", model=model, llm_provider=PROVIDER) from None
        response = model_response or litellm.ModelResponse()
        response.choices[0].message.content = text
        response.choices[0].finish_reason = "stop"
        response.model = MODEL
        chars = sum(len(str(m.get("content") or "")) for m in messages)
        # a rough count: the oracle is free, and tokenizing every prompt would only slow the benchmark
        response.usage = litellm.Usage(prompt_tokens=chars // 4 + 1, completion_tokens=len(text) // 4 + 1,
                                       total_tokens=chars // 4 + len(text) // 4 + 2)
        response._hidden_params["olp_engine_ms"] = (time.perf_counter() - started) * 1000.0
        return response

    class OracleLLM(CustomLLM):
        """litellm handler for ``olp-oracle/labels``: see ``olp.bench.oracle``."""

        def completion(self, model, messages, *args, model_response=None, **kwargs):
            return respond(model, messages, model_response)

        async def acompletion(self, model, messages, *args, model_response=None, **kwargs):
            return respond(model, messages, model_response)

    return OracleLLM()


def register() -> None:
    """Add the ``olp-oracle`` handler to ``litellm.custom_provider_map`` (idempotent)."""
    global _handler
    import os

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    if _handler is None:
        _handler = _make_handler()
    if not any(entry.get("provider") == PROVIDER for entry in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": _handler})
    litellm.utils.custom_llm_setup()


def oracle_pool():
    """A pool whose only model, playing every role, is the oracle (free, no judges, no fallbacks, no retries)."""
    from olp.poolfile import ModelSpec, PoolConfig
    from olp.types import ROLES

    register()
    spec = ModelSpec(NAME, {"model": MODEL}, 0.0, 0.0)
    return PoolConfig({NAME: spec}, {r: NAME for r in ROLES}, judges=(), fallbacks={}, num_retries=0,
                      source="oracle")
