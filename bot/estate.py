"""Reading the estate's TOML file at start-up.

A mistake in the file stops the bot before it answers anyone, with the
field's dotted path and the reason, rather than surfacing later as a case
routed to nobody.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from workflow.estate import EstateConfig

__all__ = ["ConfigError", "EstateConfig", "describe_errors", "load_estate"]


class ConfigError(Exception):
    """The estate file is missing or wrong; the message names the field."""


def load_estate(path: Path) -> EstateConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (set ESTATE_CONFIG)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return EstateConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc)) from None


def describe_errors(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        reason = error["msg"].removeprefix("Value error, ")
        if loc and loc[-1] == "[key]":  # a table's key, e.g. an unknown role under [names.roles]
            loc.pop()
            reason = f"not a known id: {reason}"
        where = ".".join(str(part) for part in loc) or "(top level)"
        lines.append(f"{path}: {where}: {reason}")
    return "\n".join(lines)
