"""Guards: duty, help requests claimed from their phones, site reports."""

from __future__ import annotations

from tests.e2e.harness import ADMIN_ID, Estate
from tests.e2e.steps import REF, classify, file_case, last_text, tap
from workflow.directory import Person
from workflow.model import Category, CloseReason, Status
from workflow.roles import Role


async def guards_on_duty_in_private(estate: Estate) -> tuple:  # type: ignore[type-arg]
    """Two guards on duty, with no guards' group: help comes to their phones."""
    admin = estate.world.users[ADMIN_ID]
    admin.send("/unbind", chat=estate.groups[Role.GUARD])
    gus = estate.staff(Role.GUARD)
    gail = estate.world.user(28, "Gail Guard", language_code="en")
    async with estate.app.bot_data["estate_desk"].store.transaction() as tx:
        await tx.save_person(
            Person(user_id=28, name="Gail Guard", language="en", roles=[Role.GUARD]),
            estate.clock.now(),
        )
    for guard in (gus, gail):
        guard.send("/start")
        await estate.settle()
        guard.send("🟢 開始當值" if guard is gus else "🟢 Go on duty")
        await estate.settle()
    return gus, gail


async def test_guards_go_on_duty_and_the_captain_sees_who(estate: Estate) -> None:
    _gus, gail = await guards_on_duty_in_private(estate)
    assert "You are on duty" in last_text(gail)
    captain = estate.staff(Role.SECURITY_CAPTAIN)
    captain.send("/duty")
    await estate.settle()
    assert "Gus Guard" in last_text(captain)
    assert "Gail Guard" in last_text(captain)

    gail.send("⚪ Go off duty")
    await estate.settle()
    captain.send("/duty")
    await estate.settle()
    assert "Gail Guard" not in last_text(captain)
    estate.resident("chan").send("/duty")
    await estate.settle()
    assert "沒有權限" in last_text(estate.resident("chan"))


async def test_the_first_guard_to_claim_help_wins_and_the_resident_rates_it(
    estate: Estate,
) -> None:
    gus, gail = await guards_on_duty_in_private(estate)
    smith = estate.resident("smith")

    ref = await file_case(
        estate,
        smith,
        "🤝 Help from a guard",
        "Now, lobby, two boxes",
        where=None,
        kind="Help with moving",
    )

    gus_card = await gus.wait_for_button("我來處理")
    try:
        gail_card = await gail.wait_for_button("I'll take it", timeout=2)
    except TimeoutError:
        raise AssertionError(gail.transcript() + "\n---\n" + gus.transcript()) from None
    await estate.press(gail, gail_card, "I'll take it")
    late = await gus.answer_to(
        gus.press_data(gus_card, gus_card.button("我來處理").callback_data or "")
    )
    assert "Gail Guard" in (late.text or "")
    gus_now = gus.private.messages[gus_card.message_id]
    assert "Gail Guard" in gus_now["text"]
    assert "reply_markup" not in gus_now
    assert any(ref in m.text for m in estate.groups[Role.FRONT_DESK].bot_messages())

    gail_card = await gail.wait_for_button("Resolve")
    await estate.press(gail, gail_card, "Resolve")
    rating = await smith.wait_for_button("★★★★★")
    await estate.press(smith, rating, "★★★★★")
    await estate.settle()

    case = await estate.case(ref)
    assert (case.status, case.rating, case.acknowledged_by) == (Status.CLOSED, 5, gail.id)


async def test_help_goes_to_the_captain_when_no_guard_is_on_duty(estate: Estate) -> None:
    wang = estate.resident("wang")
    ref = await file_case(estate, wang, "🤝 请保安协助", "代收包裹", where=None, kind="代取快递")

    assert await estate.card(Role.SECURITY_CAPTAIN, ref)
    assert "保安队长" in last_text(wang)


async def test_a_guards_site_report_becomes_a_case_or_is_dismissed(estate: Estate) -> None:
    gus = estate.staff(Role.GUARD)
    desk = estate.staff(Role.FRONT_DESK)
    gus.send("/start")
    await estate.settle()

    mark = gus.last_message_id()
    gus.send("📡 報告現場情況")
    await tap(estate, gus, "A座", after=mark)  # a Chinese guard reads the building in Chinese
    gus.send("三樓後樓梯燈壞")
    gus.send_photo()
    gus.send_location(22.28, 114.16)
    await estate.settle()
    await tap(estate, gus, "完成", after=mark)
    ref = reference_in(last_text(gus))
    assert ref.startswith("G2026-")

    desk_card = await estate.card(Role.FRONT_DESK, ref)
    assert "Gus Guard" in desk_card.text
    assert "分類為個案" in " ".join(desk_card.button_labels)
    await classify(estate, desk, desk_card, "報修", "一般", urgency="🚨")
    case = await estate.case(ref)
    assert (case.category, case.rung) == (Category.REPAIR, Role.REPAIR_LEAD)
    lead_card = await estate.card(Role.REPAIR_LEAD, ref)
    assert "由當值保安員 Gus Guard 報告" in lead_card.text

    mark = gus.last_message_id()
    gus.send("📡 報告現場情況")
    await tap(estate, gus, "B座", after=mark)
    gus.send("大堂門未關好,已關上")
    await estate.settle()
    await tap(estate, gus, "完成", after=mark)
    second = reference_in(last_text(gus))
    card = await estate.card(Role.FRONT_DESK, second)
    await estate.press(desk, card, "無需跟進")
    dismissed = await estate.case(second)
    assert (dismissed.status, dismissed.close_reason) == (Status.CLOSED, CloseReason.NO_ACTION)


async def test_only_guards_use_the_guard_buttons(estate: Estate) -> None:
    chan = estate.resident("chan")
    chan.send("🟢 開始當值")
    await estate.settle()
    assert "只限保安員" in last_text(chan)


async def test_the_front_desk_classifies_site_reports_into_every_kind_of_case(
    estate: Estate,
) -> None:
    from workflow import commands as cmd
    from workflow.model import Actor, Location, ReporterKind

    svc = estate.app.bot_data["estate_desk"]
    desk = estate.staff(Role.FRONT_DESK)
    group = estate.groups[Role.FRONT_DESK]
    guard = Actor(estate.staff(Role.GUARD).id, frozenset({Role.GUARD}))
    kinds = [
        ("報修", Category.REPAIR, Role.REPAIR_LEAD),
        ("清潔", Category.CLEANING, Role.CLEANING_LEAD),
        ("保安投訴", Category.SECURITY, Role.SECURITY_CAPTAIN),
        ("管理工作投訴", Category.MANAGEMENT, Role.CS_SUPERVISOR),
    ]
    refs = []
    for label, category, handler in kinds:
        filed = await svc.desk.file(
            cmd.FileCase(
                actor=guard,
                category=Category.SITE_CONDITION,
                description=f"{label} issue",
                location=Location("A", area="lobby"),
                reporter_kind=ReporterKind.GUARD,
            )
        )
        svc.wake_courier()
        card = await estate.card(Role.FRONT_DESK, filed.case.ref)
        await classify(
            estate,
            desk,
            card,
            label,
            "一般",
            team="管理處本身" if category is Category.MANAGEMENT else None,
            urgency="不緊急" if category is Category.REPAIR else None,
        )
        case = await estate.case(filed.case.ref)
        assert (case.category, case.rung) == (category, handler), label
        refs.append(filed.case.ref)

    duplicate = await svc.desk.file(
        cmd.FileCase(
            actor=guard,
            category=Category.SITE_CONDITION,
            description="same leak again",
            location=Location("A", area="lobby"),
            reporter_kind=ReporterKind.GUARD,
        )
    )
    svc.wake_courier()
    card = await estate.card(Role.FRONT_DESK, duplicate.case.ref)
    await estate.press(desk, card, "與現有個案重複")
    desk.send(refs[0], chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()
    assert (await estate.case(duplicate.case.ref)).status is Status.MERGED


def reference_in(text: str) -> str:
    found = REF.search(text)
    assert found, text
    return found.group(0)
