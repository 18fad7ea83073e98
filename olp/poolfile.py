"""The pool file: models in litellm's ``model_list`` style, plus an ``olp:`` section for olp's own settings.

```yaml
model_list:
  - model_name: local-quality            # the name roles, managers and documents use
    litellm_params: {model: olp-local/quality}
    model_info: {input_cost_per_token: 2.0e-8, output_cost_per_token: 2.0e-8}   # overrides litellm's map
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY}
olp:
  assignment: {topic_finder: local-quality}   # per role; other roles get `default_model`
  default_model: local-quality
  judges: [local-quality]                    # the advisory board
  fallbacks: {gpt-4o: [local-quality]}       # tried in order when a model fails after its retries
  timeout_s: 30
  num_retries: 2
```
``os.environ/NAME`` values are read from the environment when a call is made, and never logged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from olp.errors import ConfigError, unknown_name
from olp.types import ROLES

DEFAULT_POOL = "default"


@dataclass(frozen=True)
class ModelSpec:
    """One pool model.

    Attributes:
        name: the pool's name for it (``model_name``).
        litellm_params: passed to ``litellm.acompletion`` (``model``, ``api_base``, ``api_key``, ...).
        input_cost_per_token / output_cost_per_token: USD; None means "ask litellm's cost map".
        local: True for olp's own engines (``olp-local/...``).
        model_info: the pool file's ``model_info`` (prices, ``supports_response_schema``, ``response_format_type``).
    """

    name: str
    litellm_params: dict[str, Any]
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None
    model_info: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def litellm_model(self) -> str:
        return str(self.litellm_params["model"])

    @property
    def local(self) -> bool:
        return self.litellm_model.startswith("olp-local/")

    def call_params(self) -> dict[str, Any]:
        """litellm parameters with ``os.environ/NAME`` secrets resolved (never store or log the result)."""
        params = {}
        for key, value in self.litellm_params.items():
            if isinstance(value, str) and value.startswith("os.environ/"):
                value = os.environ.get(value.split("/", 1)[1], "")
            params[key] = value
        return params

    def secrets(self) -> list[str]:
        """The secret values this spec may send (for redaction)."""
        out = []
        for key, value in self.call_params().items():
            if isinstance(value, str) and value and ("key" in key or "token" in key or "secret" in key):
                out.append(value)
        return out


@dataclass(frozen=True)
class PoolConfig:
    """A parsed pool file."""

    models: dict[str, ModelSpec]
    assignment: dict[str, str]
    judges: tuple[str, ...] = ()
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    timeout_s: float = 30.0
    num_retries: int = 2
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def spec(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            raise unknown_name("pool model", name, list(self.models)) from None

    @property
    def names(self) -> list[str]:
        return list(self.models)


def load_pool(path: str | Path | None = None) -> PoolConfig:
    """Read a pool file; None or ``"default"`` is the bundled offline pool (local engines only)."""
    import yaml

    if path is None or str(path) == DEFAULT_POOL:
        text = resources.files("olp.pools").joinpath("default.yaml").read_text(encoding="utf-8")
        source = "default"
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"pool file {str(p)!r} not found")
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"pool file {str(p)!r} cannot be read: {exc.__class__.__name__}") from None
        source = str(p)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"pool file {source!r} is not valid YAML: {str(exc).splitlines()[0]}") from None
    return parse_pool(data, source)


def parse_pool(data: Any, source: str = "<dict>") -> PoolConfig:
    """Validate a pool file's parsed YAML."""
    if not isinstance(data, dict) or not isinstance(data.get("model_list"), list) or not data["model_list"]:
        raise ConfigError(f"pool file {source!r} needs a non-empty `model_list`")
    models: dict[str, ModelSpec] = {}
    for i, entry in enumerate(data["model_list"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("litellm_params"), dict):
            raise ConfigError(f"pool file {source!r}: model_list[{i}] needs `model_name` and `litellm_params`")
        params = dict(entry["litellm_params"])
        name = str(entry.get("model_name") or params.get("model") or "")
        if not name or "model" not in params:
            raise ConfigError(f"pool file {source!r}: model_list[{i}] needs `model_name` and `litellm_params.model`")
        if name in models:
            raise ConfigError(f"pool file {source!r}: model {name!r} is listed twice")
        info = entry.get("model_info") or {}
        models[name] = ModelSpec(
            name=name,
            litellm_params=params,
            input_cost_per_token=_price(info, params, "input_cost_per_token", source, name),
            output_cost_per_token=_price(info, params, "output_cost_per_token", source, name),
            model_info=dict(info) if isinstance(info, dict) else {},
        )
    olp = data.get("olp") or {}
    if not isinstance(olp, dict):
        raise ConfigError(f"pool file {source!r}: `olp` must be a mapping")
    default = olp.get("default_model") or next(iter(models))
    assignment = {role: str(default) for role in ROLES}
    for role, model in (olp.get("assignment") or {}).items():
        if role not in ROLES:
            raise unknown_name("role", str(role), list(ROLES))
        assignment[role] = str(model)
    judges = tuple(str(j) for j in (olp.get("judges") or ()))
    fallbacks = {str(k): tuple(str(x) for x in (v or ())) for k, v in (olp.get("fallbacks") or {}).items()}
    for name in [*assignment.values(), *judges, *fallbacks, *(m for v in fallbacks.values() for m in v)]:
        if name not in models:
            raise unknown_name("pool model", name, list(models))
    known = {"assignment", "default_model", "judges", "fallbacks", "timeout_s", "num_retries"}
    try:
        return PoolConfig(
            models=models,
            assignment=assignment,
            judges=judges,
            fallbacks=fallbacks,
            timeout_s=float(olp.get("timeout_s", 30.0)),
            num_retries=int(olp.get("num_retries", 2)),
            source=source,
            extra={k: v for k, v in olp.items() if k not in known},
        )
    except (TypeError, ValueError):
        raise ConfigError(f"pool file {source!r}: `timeout_s` and `num_retries` must be numbers") from None


def _price(info: dict, params: dict, key: str, source: str, name: str) -> float | None:
    value = info.get(key, params.get(key))
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"pool file {source!r}: {key} of {name!r} must be a number") from None
    if value < 0:
        raise ConfigError(f"pool file {source!r}: {key} of {name!r} must not be negative")
    return value
