"""Callback data on inline buttons: a short, validated, colon-separated payload.

Anything that does not parse (a forged or truncated payload, a button from an
older release) decodes to None and is answered as a stale button.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationError

Scope = Literal["c", "f", "r", "l", "m", "a", "n", "g", "b", "v"]
# c: a staff action on a case      f: callback feedback      r: registration
# l: language                      m: my cases               a: resident approval
# n: a new case being filed       g: a guard's site report
# b: a notice to residents (bulletin) being written, corrected or withdrawn
# v: an opinion survey: written, answered, closed, its results read or published

MAX_BYTES = 64


class Payload(BaseModel, frozen=True):
    scope: Scope
    action: str = Field(pattern=r"^[a-z_]{1,12}$")
    target: str = Field(default="", pattern=r"^[A-Za-z0-9_.\-]{0,24}$")
    arg: str = Field(default="", pattern=r"^[A-Za-z0-9_.\-]{0,16}$")

    def encode(self) -> str:
        data = ":".join([self.scope, self.action, self.target, self.arg]).rstrip(":")
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data too long: {data}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> Payload | None:
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        parts = data.split(":")
        if len(parts) > 4:
            return None
        names = ["scope", "action", "target", "arg"]
        try:
            return cls.model_validate(dict(zip(names, parts, strict=False)))
        except ValidationError:
            return None

    @property
    def number(self) -> int | None:
        return int(self.target) if self.target.isdigit() else None


def data(scope: str, action: str, target: object = "", arg: object = "") -> str:
    return Payload.model_validate(
        {"scope": scope, "action": action, "target": str(target), "arg": str(arg)}
    ).encode()
