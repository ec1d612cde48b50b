"""Where a role's message goes, written once, for every notice:

- the role's bound group, while the bot can post there;
- else each holder of the role privately (guards: only those on duty);
- a bound group the bot lost (removed, deleted: the binding is marked broken)
  with nobody holding the role: the rung above, the same way, up the ladder,
  until the group is bound again (`/bind`, or the bot added back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from delivery.ports import DeliveryTransaction
from workflow.directory import Person, RoleGroup
from workflow.estate import EstateConfig
from workflow.roles import Role, rung_above
from workflow.roster import on_duty


@dataclass
class Route:
    group: RoleGroup | None = None
    holders: list[Person] = field(default_factory=list)
    via: Role | None = None  # the rung above that stands in for a lost group's role

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
    if group is not None and not group.broken:
        return Route(group=group)
    holders = await _holders(tx, role, now, estate)
    if holders or group is None:
        return Route(holders=holders)
    # The role's group is lost and nobody holds the role: whoever is above stands in.
    above = rung_above(role)
    while above is not None:
        found = await route(tx, above, now, estate)
        if not found.nobody:
            return Route(group=found.group, holders=found.holders, via=above)
        above = rung_above(above)
    return Route()


async def _holders(
    tx: DeliveryTransaction, role: Role, now: datetime, estate: EstateConfig | None
) -> list[Person]:
    holders = await tx.people_with_role(role)
    if role is Role.GUARD:
        rows = await tx.duty_rows()
        duty = on_duty(estate, rows, now) if estate else {r.user_id for r in rows if r.on_duty}
        holders = [p for p in holders if p.user_id in duty]
    return holders
