"""Reading the estate's TOML file at start-up.

A mistake in the file stops the bot before it answers anyone, with the
field's dotted path and the reason, rather than surfacing later as a case
routed to nobody.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workflow.estate import EstateConfig

__all__ = ["ConfigError", "EstateConfig", "describe_errors", "load_estate", "read_toml"]


class ConfigError(Exception):
    """The estate file is missing or wrong; the message names the field."""


def read_toml(path: Path, setting: str) -> dict[str, Any]:
    """A TOML file's tables; ConfigError naming the file (and `setting`, the
    variable that names it) when it is missing or not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (set {setting})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_estate(path: Path) -> EstateConfig:
    raw = read_toml(path, "ESTATE_CONFIG")
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
