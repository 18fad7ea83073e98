"""Structured outputs: each role's answer schema sent as ``response_format``, and how an answer fared.

A role knows its answer's JSON Schema (``Role.schema``). The caller wraps it in OpenAI's shape
(:func:`role_response_format`); the gateway sends it only to models that take one (:func:`model_response_format`)
and in the shape the model's server wants, and plain instructions (the prompt) to the others.

Whatever was sent, the role's tolerant parser reads the answer. :func:`answer_outcome` then tells how it went,
counted per role and model (``olp_parse_outcomes_total`` and the ``--stats`` file):

- ``valid``: the answer was exactly JSON matching the schema;
- ``repaired``: the parser had to dig the value out (prose, code fences, Python literals) or fix it (ids
  outside the chunk, a missing aspect, a reversed span);
- ``unparsable``: the parser rejected it (the next model or the role's fallback answered);
- ``fallback``: no model's answer could be used, the role's safe fallback was (labelled with the model asked).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from olp.poolfile import ModelSpec
from olp.profiles import Profile
from olp.roles.base import Role

VALID, REPAIRED, UNPARSABLE, FALLBACK = "valid", "repaired", "unparsable", "fallback"

#: How a model's server takes a schema (pool file: ``model_info: {response_format_type: ...}``).
JSON_SCHEMA = "json_schema"  # OpenAI's {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}
JSON_OBJECT = "json_object"  # llama.cpp's server: {"type": "json_object", "schema": {...}}


def role_response_format(role: Role, inp: Any, profile: Profile) -> dict[str, Any] | None:
    """The role's answer schema for ``inp`` as an OpenAI ``response_format`` (None when the role has none)."""
    schema = role.schema(inp, profile)
    if schema is None:
        return None
    # not strict: OpenAI's strict mode forbids optional properties, which some answers have ({"same": false})
    return {"type": JSON_SCHEMA, "json_schema": {"name": role.name, "schema": schema, "strict": False}}


def model_response_format(spec: ModelSpec, response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """What to send ``spec`` for an OpenAI-shaped ``response_format``: as is, reshaped for its server, or nothing.

    Local engines read the prompt, never a schema. Other models get it when ``model_info`` says
    ``supports_response_schema: true``, or, without that key, when litellm's model map says they support it.
    ``model_info: {response_format_type: json_object}`` reshapes it for servers such as llama.cpp's, which reject
    OpenAI's ``json_schema`` type.
    """
    if response_format is None or spec.local:
        return None
    info = spec.model_info
    if not _supports(spec.litellm_model, info.get("supports_response_schema")):
        return None
    schema = (response_format.get("json_schema") or {}).get("schema")
    if info.get("response_format_type") == JSON_OBJECT and schema is not None:
        return {"type": JSON_OBJECT, "schema": schema}
    return response_format


@functools.lru_cache(maxsize=256)
def _supports(litellm_model: str, declared: bool | None) -> bool:
    if declared is not None:
        return bool(declared)
    import litellm  # the gateway has imported it already: model_response_format runs inside a call

    return bool(litellm.supports_response_schema(model=litellm_model))


def answer_outcome(text: str, response_format: dict[str, Any] | None) -> str:
    """``valid`` when ``text`` is exactly a JSON value matching the schema, else ``repaired``.

    Called for answers the role's parser accepted; without a schema, any JSON answer counts as valid.
    """
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return REPAIRED
    schema = ((response_format or {}).get("json_schema") or {}).get("schema")
    if schema is None:
        return VALID
    import jsonschema  # lazily: importing olp stays light

    return VALID if jsonschema.Draft202012Validator(schema).is_valid(value) else REPAIRED
