"""The estate files a many-estates benchmark runs on, of a given size (the
company file that lists them is playground.fake_telegram.process.write_company's).

An estate of N units is laid out as buildings of up to 25 floors of 10 flats
(A to J): 1,000 units are 4 buildings x 25 floors x 10 flats, 50 units one
building of 5 floors. N is rounded up to whole floors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

FLATS = "ABCDEFGHIJ"
FLOORS_A_BUILDING = 25
BUILDINGS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Layout:
    """An estate's buildings: `floors[i]` floors of 10 flats in building BUILDINGS[i]."""

    floors: tuple[int, ...]

    @classmethod
    def of(cls, units: int) -> Layout:
        if units < 1:
            raise ValueError("an estate needs at least one unit")
        total_floors = math.ceil(units / len(FLATS))
        full, rest = divmod(total_floors, FLOORS_A_BUILDING)
        floors = (FLOORS_A_BUILDING,) * full + ((rest,) if rest else ())
        if len(floors) > len(BUILDINGS):
            raise ValueError(f"at most {len(BUILDINGS) * FLOORS_A_BUILDING * len(FLATS)} units")
        return cls(floors)

    @property
    def units(self) -> int:
        return sum(self.floors) * len(FLATS)

    def unit(self, i: int) -> tuple[str, str]:
        """The i-th unit (0-based, wrapping round): (building id, flat such as "12C")."""
        i %= self.units
        for building, floors in zip(BUILDINGS, self.floors, strict=False):
            here = floors * len(FLATS)
            if i < here:
                floor, flat = divmod(i, len(FLATS))
                return building, f"{floor + 1}{FLATS[flat]}"
            i -= here
        raise AssertionError("unreachable")


def estate_id(number: int) -> str:
    """The company file's id of the n-th estate (1-based): "estate01"."""
    return f"estate{number:02d}"


def estate_toml(number: int, layout: Layout) -> str:
    lines = [
        f'name = "Benchmark Estate {number:02d}"',
        'timezone = "Asia/Hong_Kong"',
        'default_language = "zh-Hant"',
        "require_approval = true",
        "",
    ]
    flats = ", ".join(f'"{flat}"' for flat in FLATS)
    for building, floors in zip(BUILDINGS, layout.floors, strict=False):
        lines += [
            "[[buildings]]",
            f'id = "{building}"',
            f'name = "Block {building}"',
            f"floors = {floors}",
            f"flats = [{flats}]",
            "",
        ]
    lines += [
        # As bench/storm.py: the residents' quiet hours moved to a minute at noon,
        # so that a run at night tells them as a run in the day would.
        "[hours]",
        'quiet = "12:00-12:01"',
        "",
        # As bench/estate.toml: cleaning always open, so deadlines fall as expected.
        "[hours.cleaning]",
        'week = [{ days = "mon-sun", spans = ["00:00-08:00", "08:00-16:00", "16:00-24:00"] }]',
        "open_on_holidays = true",
        "",
    ]
    return "\n".join(lines)


def token(number: int) -> str:
    """The n-th estate's bot token in the fake (bot id 700000 + n)."""
    return f"{700_000 + number}:FAKE{number:02d}"


def write_estate(folder: Path, number: int, layout: Layout) -> Path:
    path = folder / "estates" / f"{estate_id(number)}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(estate_toml(number, layout), encoding="utf-8")
    return path
