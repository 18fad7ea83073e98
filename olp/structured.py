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
import re
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
    return VALID if is_valid(schema, value) else REPAIRED


def is_valid(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` matches ``schema`` (JSON Schema 2020-12), as ``jsonschema`` decides.

    The roles' schemas use a few keywords (``olp.roles.base``): those are checked here directly, an enum of ids
    as a set lookup. jsonschema builds a validator per schema and checks an enum by comparing with each member
    in turn; the role schemas change with every chunk (their ids), and that cost about 7% of a worker's CPU
    (issue 13). Any other keyword, or a value whose comparison is subtle (booleans against numbers), goes to
    jsonschema.
    """
    fast = _check(schema, value, {})
    if fast is not None:
        return fast
    import jsonschema  # lazily: importing olp stays light

    return jsonschema.Draft202012Validator(schema).is_valid(value)


_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "enum", "items", "maxItems",
                       "minItems", "uniqueItems", "minLength", "maxLength", "pattern"})
_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def _check(schema: Any, value: Any, enums: dict[int, frozenset | None]) -> bool | None:
    """``value`` against ``schema`` for the roles' keywords; None when jsonschema must decide. ``enums`` holds
    each enum's members as a set, made once per call (an aspect's every id is checked against the same enum)."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict) or not _KEYWORDS.issuperset(schema):
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        if "enum" in schema or "uniqueItems" in schema:
            return None  # jsonschema's equality keeps True apart from 1; leave such answers to it
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else kind
        if any(k not in _TYPES for k in kinds):
            return None
        if not any(_TYPES[k](value) for k in kinds):
            return False
    if "enum" in schema:
        members = schema["enum"]
        if id(members) not in enums:
            simple = all(m is None or (isinstance(m, (int, str)) and not isinstance(m, bool)) for m in members)
            enums[id(members)] = frozenset(members) if simple else None
        allowed = enums[id(members)]
        if allowed is None:
            return None
        try:
            if value not in allowed:
                return False
        except TypeError:  # unhashable (a list or an object): no member of an enum of ids and names
            return False
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            return False
        if "pattern" in schema and not re.search(schema["pattern"], value):  # as jsonschema: search, not match
            return False
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            return False
        if schema.get("uniqueItems"):
            if not all(isinstance(v, (int, str)) and not isinstance(v, bool) for v in value):
                return None
            if len(set(value)) != len(value):
                return False
        if "items" in schema:
            for item in value:
                ok = _check(schema["items"], item, enums)
                if ok is not True:
                    return ok
    if isinstance(value, dict):
        props = schema.get("properties", {})
        if any(key not in value for key in schema.get("required", ())):
            return False
        extra = schema.get("additionalProperties", True)
        if extra is not True and any(key not in props for key in value):
            if extra is False:
                return False
            return None
        for key, item in value.items():
            if key in props:
                ok = _check(props[key], item, enums)
                if ok is not True:
                    return ok
    return True
