"""Where a role's message goes: the role's bound group, else each holder of the
role privately (guards: only those on duty). Written once, for every notice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from delivery.ports import DeliveryTransaction
from workflow.directory import Person, RoleGroup
from workflow.estate import EstateConfig
from workflow.roles import Role
from workflow.roster import on_duty


@dataclass
class Route:
    group: RoleGroup | None = None
    holders: list[Person] = field(default_factory=list)

    @property
    def nobody(self) -> bool:
        return self.group is None and not self.holders


async def route(
    tx: DeliveryTransaction,
    role: Role,
    now: datetime,
    estate: EstateConfig | None = None,
    private: bool = False,
) -> Route:
    """`private`: never into a group, however the role is set up."""
    group = None if private else await tx.role_group(role)
    if group is not None:
        return Route(group=group)
    holders = await tx.people_with_role(role)
    if role is Role.GUARD:
        rows = await tx.duty_rows()
        duty = on_duty(estate, rows, now) if estate else {r.user_id for r in rows if r.on_duty}
        holders = [p for p in holders if p.user_id in duty]
    return Route(holders=holders)
