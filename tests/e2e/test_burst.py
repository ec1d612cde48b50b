"""A burst (a water outage: dozens of complaints in a minute) keeps every
group under Telegram's ~20 messages a minute, and loses no case."""

from __future__ import annotations

import pytest

from delivery.digest import BUSY, HARD
from delivery.limits import SENDS_AT_MOST
from playground.fake_telegram.chats import JSON, Chat
from tests.e2e.harness import Estate
from tests.e2e.steps import REF, file_case
from workflow import commands as cmd
from workflow.model import Actor, Category, Location, Urgency
from workflow.roles import Role

BURST = 40


async def test_a_burst_is_gathered_into_digests_and_nothing_is_dropped(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = estate.app.bot_data["estate_desk"]
    svc.courier.limits.busy_at, svc.courier.limits.full_at = BUSY, HARD
    world = estate.world
    estate.world.faults.flood_limits = True  # Telegram's limits, enforced by the fake
    posted: list[str] = []  # every message's text as it was first posted
    new_message = world.new_message

    def posting(chat: Chat, sender: JSON, body: JSON, thread_id: int | None = None) -> JSON:
        if sender.get("is_bot"):
            posted.append(str(body.get("text") or ""))
        return new_message(chat, sender, body, thread_id)

    monkeypatch.setattr(world, "new_message", posting)
    refs = await _urgent_repairs(estate, BURST, first_id=5000, one_by_one=True)
    # The group's minute fills: the digests' last edits may wait for it to slide.
    await estate.settle(timeout=75)

    for role in (Role.REPAIR_LEAD, Role.FRONT_DESK):
        group = estate.groups[role]
        sent = [m for m in group.bot_messages() if "此群組已設定" not in m.text]
        assert len(sent) <= 20, f"{role}: {len(sent)} messages in a minute"
        shown, missing = _shown(refs, group)
        assert not missing, f"{role} lost {missing}:\n{shown}"
    assert world.flood.refused == 0, f"Telegram refused: {world.flood.refused_keys}"
    digests = [text for text in posted if "（繁忙時段合併顯示）" in text or "正在整理" in text]
    assert digests, posted
    assert not [text for text in digests if "正在整理" in text], "never an empty placeholder"
    assert all(REF.search(text) for text in digests), "each posted with its first case"

    digest = next(
        m
        for m in estate.groups[Role.REPAIR_LEAD].bot_messages()
        if any("全部接手" in label for label in m.button_labels)
    )
    # The minute may still be full: the digest's edit can wait for it to slide.
    await estate.press(estate.staff(Role.REPAIR_LEAD), digest, "全部接手", settle=75)

    cases = [await estate.case(ref) for ref in refs]
    in_digest = [c for c in cases if c.ref in digest.text]
    assert in_digest
    assert all(c.acknowledged_by is not None for c in in_digest)
    edited = estate.groups[Role.REPAIR_LEAD].messages[digest.message_id]["text"]
    assert "已受理" in edited


async def test_a_card_in_a_busy_group_catches_up_once_there_is_room(estate: Estate) -> None:
    """Edits spend a group's minute too: in a minute with room for no new
    message (the rest kept for digests' edits) the card is not edited, and once
    the minute has room it shows the case as it is then."""
    svc = estate.app.bot_data["estate_desk"]
    pacer = svc.courier.limits
    pacer.busy_at, pacer.full_at, pacer.edits_at = BUSY, SENDS_AT_MOST, HARD
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "廚房水喉漏水", urgency="🕒")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    group = estate.groups[Role.REPAIR_LEAD]

    pacer.record(group.id, SENDS_AT_MOST)  # the group's minute is spent but for edits
    await estate.press(estate.staff(Role.REPAIR_LEAD), card, "接手")
    await estate.settle()
    text = group.messages[card.message_id]["text"]
    assert "Leo Repair" not in text, "not edited in a full minute"

    later = pacer.now() + 61
    pacer.now = lambda: later  # a minute on: room again
    svc.wake_courier()
    await estate.settle()
    assert "Leo Repair 已於" in group.messages[card.message_id]["text"], "brought up to date"


async def test_cases_that_come_while_a_group_minute_is_full_wait_in_one_digest_posted_whole(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storm fills a group's minute at once. The cases that come while it is
    full join their digest in the database (their notices are done: nothing
    waits in the outbox for the minute), and once there is room the digest is
    posted with every one of them in its first text, not one case and edits."""
    svc = estate.app.bot_data["estate_desk"]
    pacer = svc.courier.limits
    pacer.busy_at, pacer.full_at, pacer.edits_at = BUSY, SENDS_AT_MOST, HARD
    group = estate.groups[Role.REPAIR_LEAD]
    world = estate.world
    posted: list[str] = []
    new_message = world.new_message

    def posting(chat: Chat, sender: JSON, body: JSON, thread_id: int | None = None) -> JSON:
        if sender.get("is_bot") and chat.id == group.id:
            posted.append(str(body.get("text") or ""))
        return new_message(chat, sender, body, thread_id)

    monkeypatch.setattr(world, "new_message", posting)
    pacer.record(group.id, HARD)  # the group's minute is spent, the edits' part too
    refs = await _urgent_repairs(estate, 30, first_id=6000)
    for _ in range(3):
        await svc.courier.flush()
    async with svc.store.reading() as tx:
        rows = await tx._all(
            "SELECT count(*) FROM outbox WHERE done_at IS NULL "
            "AND json_extract(body, '$.role') = 'repair_lead'"
        )
    assert rows[0][0] == 0, "the lead's notices wait in the outbox for the minute"
    assert posted == [], "nothing posted in a full minute"

    later = pacer.now() + 61
    pacer.now = lambda: later  # a minute on: room again
    await estate.settle()
    assert posted, "the digest was posted once there was room"
    first = posted[0]
    missing = [ref for ref in refs if ref not in first]
    assert not missing, f"posted without {missing}:\n{first}"
    assert len(posted) == 1, posted


async def test_a_digest_waiting_for_a_full_minute_follows_its_group_upgraded_to_a_supergroup(
    estate: Estate,
) -> None:
    """The group became a supergroup while its digest waited (Telegram says so
    only when the digest is posted: ChatMigrated): the binding follows, and the
    digest is posted in the supergroup with every case it held."""
    svc = estate.app.bot_data["estate_desk"]
    pacer = svc.courier.limits
    pacer.busy_at, pacer.full_at, pacer.edits_at = BUSY, SENDS_AT_MOST, HARD
    old = estate.groups[Role.REPAIR_LEAD]
    pacer.record(old.id, HARD)
    refs = await _urgent_repairs(estate, 12, first_id=7000)
    for _ in range(3):
        await svc.courier.flush()
    new = estate.world.migrate(old, announce=False)
    estate.groups[Role.REPAIR_LEAD] = new

    later = pacer.now() + 61
    pacer.now = lambda: later
    await estate.settle()
    shown, missing = _shown(refs, new)
    assert not missing, f"the supergroup does not show {missing}:\n{shown}"
    async with svc.store.reading() as tx:
        bound = await tx.role_group(Role.REPAIR_LEAD)
    assert bound is not None
    assert bound.chat_id == new.id


async def _urgent_repairs(
    estate: Estate, count: int, first_id: int, one_by_one: bool = False
) -> list[str]:
    """`count` residents each file an urgent repair at once; their references.
    `one_by_one`: each says /start first, and the courier is woken after each."""
    svc = estate.app.bot_data["estate_desk"]
    refs = []
    for i in range(count):
        unit = f"{i // 4 + 1}{'ABCD'[i % 4]}"
        resident = estate.world.user(first_id + i, f"R{i}", language_code="zh-hant")
        if one_by_one:
            resident.send("/start")
        filed = await svc.desk.file(
            cmd.FileCase(
                actor=Actor(resident.id, frozenset({Role.RESIDENT})),
                category=Category.REPAIR,
                description=f"No water at {unit}",
                location=Location("A", unit),
                urgency=Urgency.URGENT,
                reporter_unit=Location("A", unit),
            )
        )
        refs.append(filed.case.ref)
        if one_by_one:
            svc.wake_courier()
    return refs


async def _waiting_in_a_full_minute(estate: Estate, count: int, first_id: int) -> list[str]:
    """The lead's group busy and its minute spent; `count` urgent repairs come
    and join a digest that waits for room. Their references."""
    svc = estate.app.bot_data["estate_desk"]
    pacer = svc.courier.limits
    pacer.busy_at, pacer.full_at, pacer.edits_at = BUSY, SENDS_AT_MOST, HARD
    pacer.record(estate.groups[Role.REPAIR_LEAD].id, HARD)
    refs = await _urgent_repairs(estate, count, first_id=first_id)
    for _ in range(3):
        await svc.courier.flush()
    assert await svc.courier.digester.pending() > 0, "a digest waits for the minute"
    return refs


def _shown(refs: list[str], chat: Chat) -> tuple[str, list[str]]:
    """What the bot shows in `chat`, and which of `refs` it does not show."""
    shown = "\n".join(m.text for m in chat.bot_messages())
    return shown, [ref for ref in refs if ref not in shown]


def _minute_later(estate: Estate) -> None:
    """The limiter's clock a minute on, and going on from there."""
    pacer = estate.app.bot_data["estate_desk"].courier.limits
    now = pacer.now
    pacer.now = lambda: now() + 61


async def test_a_digest_waiting_for_a_full_minute_is_posted_after_a_restart(
    estate: Estate,
) -> None:
    """The bot stops while a digest waits for the group's minute: the digest
    is in the database, and the restarted bot posts it with every case."""
    refs = await _waiting_in_a_full_minute(estate, 12, first_id=7100)
    await estate.stop_bot()
    await estate.start_bot(fresh=True)
    await estate.settle()
    group = estate.groups[Role.REPAIR_LEAD]
    shown, missing = _shown(refs, group)
    assert not missing, f"after the restart the group does not show {missing}:\n{shown}"


async def test_a_group_removed_while_its_digest_waits_gets_its_cases_to_the_role_privately(
    estate: Estate,
) -> None:
    """The bot was removed from the lead's group while a digest waited for its
    minute: posting it is refused, the binding is marked broken, every open
    case goes to the lead privately, and the digest is not tried again."""
    refs = await _waiting_in_a_full_minute(estate, 12, first_id=7200)
    group = estate.groups[Role.REPAIR_LEAD]
    group.members[estate.world.bot_id] = "kicked"
    _minute_later(estate)
    await estate.settle()  # also: no digest left due, none retried for ever
    lead = estate.staff(Role.REPAIR_LEAD)
    told, missing = _shown(refs, lead.private)
    assert not missing, f"the lead was not told of {missing}:\n{told}"
    svc = estate.app.bot_data["estate_desk"]
    async with svc.store.reading() as tx:
        bound = await tx.role_group(Role.REPAIR_LEAD)
    assert bound is not None
    assert bound.broken


async def test_a_network_error_posting_a_digest_leaves_it_for_the_next_round(
    estate: Estate,
) -> None:
    """Telegram answers 5xx when the digest is posted: the courier's round goes
    on (it does not fail), and the digest goes out whole once Telegram answers."""
    refs = await _waiting_in_a_full_minute(estate, 12, first_id=7300)
    svc = estate.app.bot_data["estate_desk"]
    _minute_later(estate)
    estate.world.faults.error_rate = 1.0
    await svc.courier.flush()  # the post fails: the round is not lost with it
    assert await svc.courier.digester.pending() > 0, "the digest still waits"
    estate.world.faults.error_rate = 0.0
    await estate.settle()
    group = estate.groups[Role.REPAIR_LEAD]
    shown, missing = _shown(refs, group)
    assert not missing, f"the group does not show {missing}:\n{shown}"
