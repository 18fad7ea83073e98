"""The versioned JSON Schema of a topic document, and the check every document passes before it leaves."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from olp.errors import OlpError

SCHEMA_FILE = "topic-document.v1.json"


class SchemaError(OlpError):
    """A document does not match the topic-document schema."""


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(resources.files("olp.schema").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def validate_document(doc: dict[str, Any]) -> dict[str, Any]:
    """Return ``doc`` if it matches the schema and its own invariants; raise SchemaError otherwise.

    Beyond the schema: span[0] <= span[1], aspect ids lie within the span, ascend, and appear once.
    """
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path) or "document"
        raise SchemaError(f"topic document invalid at {where}: {e.message}")
    first, last = doc["span"]
    if first > last:
        raise SchemaError(f"topic document span {doc['span']} is reversed")
    seen: set[int] = set()
    for name, items in doc["aspects"].items():
        ids = [item["id"] for item in items]
        if ids != sorted(ids) or any(i in seen for i in ids) or len(set(ids)) != len(ids):
            raise SchemaError(f"topic document aspect {name!r}: ids must ascend and appear once")
        if any(i < first or i > last for i in ids):
            raise SchemaError(f"topic document aspect {name!r}: ids outside span {doc['span']}")
        seen.update(ids)
    if not seen:
        raise SchemaError("topic document has no sentences")
    return doc
