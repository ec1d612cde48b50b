"""My cases: a resident's own cases, each one's timeline, and what they can
do about one (add information, cancel it while new, complain again)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ConversationHandler

from handlers.common import Context, error_text
from handlers.prompts import expired, stamped
from handlers.states import FollowUp, Next
from views.callbacks import Payload
from views.cards import summary_line
from views.i18n import Translator, plain
from views.keyboards import inline
from views.notices import PHOTO, photo_ref
from views.promise import expectation
from workflow import commands as cmd
from workflow.actions import Action, available_actions, may_read_details, refusal
from workflow.errors import DomainError
from workflow.model import Case, EventKind

MY_CASES_SHOWN = 10
# The steps a resident can take from a case's details, in the order shown.
FOLLOW_UPS = (
    (Action.ADD_INFO, "button.add_info", "add"),
    (Action.CANCEL, "button.cancel_case", "cancel"),
    (Action.COMPLAIN_AGAIN, "button.complain_again", "again"),
)


async def my_cases(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    t = await context.translator()
    cases = await context.casebook.cases_of_reporter(user.id, MY_CASES_SHOWN)
    if not cases:
        await context.replies.reply(update, t("my_cases.none"))
        return
    lines = [t("my_cases.title")]
    now, hours = context.clock.now(), context.desk.policy.hours
    for c in cases:
        lines.append(
            t("my_cases.line", case=summary_line(c, t), status=t.raw("status.word." + c.status))
        )
        if (expect := expectation(c, now, hours, t)) is not None:
            lines.append(expect)
    # Cases this resident follows (their duplicate was merged into another
    # resident's case): its status, but no details and no buttons: those are
    # the reporter's (the core decides: `may_read_details`).
    followed = await _followed(context, cases, user.id)
    lines += [
        t("my_cases.following", ref=c.ref, status=t.raw("status.word." + c.status))
        for c in followed
    ]
    actor = await context.actor()
    keyboard = inline(
        [[(c.ref, "m", "det", c.id, "")] for c in cases if may_read_details(c, actor)]
    )
    await context.replies.reply(update, "\n".join(lines), keyboard)


async def _followed(context: Context, cases: list[Case], user_id: int) -> list[Case]:
    """The cases the resident's merged cases went into (following a chain of
    merges a few steps), which they follow but did not file."""
    found: list[Case] = []
    seen = {c.id for c in cases}
    wanted = [c.merged_into for c in cases if c.merged_into is not None]
    for _ in range(3):
        fresh = [i for i in dict.fromkeys(wanted) if i not in seen]
        if not fresh:
            break
        seen.update(fresh)
        primaries = await context.casebook.cases(fresh)
        found += [c for c in primaries if user_id in c.followers and c.merged_into is None]
        wanted = [c.merged_into for c in primaries if c.merged_into is not None]
    return found


async def on_details(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = await context.translator()
    case = await own_case(update, context, t)
    if case is None:
        return
    await context.replies.answer(query)
    events = await context.casebook.events_of_case(case.id)
    lines = [summary_line(case, t), t("card.description", text=case.description)]
    if (expect := expectation(case, context.clock.now(), context.desk.policy.hours, t)) is not None:
        lines.append(expect)  # when to expect an answer, in service time
    photos: list[str] = []
    for e in events:
        if not t.has("event." + e.kind):
            continue
        lines.append(t("timeline.line", when=t.when(e.at), what=t.raw("event." + e.kind)))
        if e.kind is EventKind.RESOLVED:
            # The result stays on the record: its note, and its photos after it.
            if e.data.get("note"):
                lines.append(t("timeline.result", note=e.data["note"]))
            photos += [a for a in e.data.get("attachments", []) if a.startswith(PHOTO)]
    # Only what the desk would accept from this resident now (the core decides).
    allowed = available_actions(
        case, await context.actor(), context.clock.now(), context.desk.policy
    )
    rows = [
        [(t.raw(label), "m", code, case.id, "")]
        for action, label, code in FOLLOW_UPS
        if action in allowed
    ]
    await context.replies.reply(update, "\n".join(lines), inline(rows) if rows else None)
    for photo in photos:
        await context.replies.photo_by_id(
            update, photo.removeprefix(PHOTO), t("timeline.result_photo", ref=case.ref)
        )


async def own_case(update: Update, context: Context, t: Translator) -> Case | None:
    """The case a button names, if the presser filed it; answers the press otherwise."""
    query = update.callback_query
    assert query is not None
    payload = Payload.decode(query.data)
    case = None
    if payload is not None and payload.number is not None:
        case = await context.casebook.case(payload.number)
    if case is None or not may_read_details(case, await context.actor()):
        # Someone else's case, one this resident only follows, or a forged press.
        await context.replies.answer(query, t.raw("error.stale"), alert=True)
        return None
    return case


async def run(update: Update, context: Context, command: cmd.CaseCommand, t: Translator) -> bool:
    try:
        await context.desk.execute(command)
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))
        return False
    context.outbound.wake()
    return True


async def on_cancel_case(update: Update, context: Context) -> None:
    t = await context.translator()
    case = await own_case(update, context, t)
    if case is None:
        return
    assert update.callback_query is not None
    await context.replies.answer(update.callback_query)
    actor = await context.actor()
    if await run(update, context, cmd.Cancel(actor, case.id), t):
        await context.replies.reply(update, t("my_cases.cancelled", ref=case.ref))


async def begin_add_info(update: Update, context: Context) -> Next | None:
    return await _begin_text_step(
        update, context, Action.ADD_INFO, "adding", "my_cases.add_prompt", FollowUp.ADD_INFO
    )


async def begin_again(update: Update, context: Context) -> Next | None:
    return await _begin_text_step(
        update, context, Action.COMPLAIN_AGAIN, "again", "my_cases.again_prompt", FollowUp.AGAIN
    )


async def _begin_text_step(
    update: Update, context: Context, action: Action, key: str, prompt: str, state: FollowUp
) -> Next:
    t = await context.translator()
    case = await own_case(update, context, t)
    if case is None:
        return ConversationHandler.END
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    now = context.clock.now()
    # Ask only if the desk would take the answer (the case may have moved on).
    error = refusal(action, case, await context.actor(), now, context.desk.policy)
    if error is not None:
        await context.replies.answer(query, plain(error_text(error, t)), alert=True)
        return ConversationHandler.END
    await context.replies.answer(query)
    context.user_data[key] = stamped(now, case=case.id)
    await context.replies.reply(update, t(prompt, ref=case.ref))
    return state


async def awaited_case(
    update: Update, context: Context, key: str, t: Translator
) -> tuple[Message, int] | None:
    """The message answering a prompt, and the case the prompt was about (once);
    None, after saying so, when the prompt has expired."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    prompt = context.user_data.pop(key, None)
    if prompt is None:
        return None
    if expired(prompt, context.clock.now()):
        await context.replies.reply(update, t("prompt.expired"))
        return None
    return message, int(prompt["case"])


async def on_add_info(update: Update, context: Context) -> Next:
    t = await context.translator()
    if (awaited := await awaited_case(update, context, "adding", t)) is None:
        return ConversationHandler.END
    message, case_id = awaited
    photos = (photo_ref(message.photo[-1].file_id),) if message.photo else ()
    text = message.text or message.caption or ""
    actor = await context.actor()
    if await run(update, context, cmd.AddInfo(actor, case_id, text=text, attachments=photos), t):
        await context.replies.reply(update, t("my_cases.added"))
    return ConversationHandler.END


async def on_again(update: Update, context: Context) -> Next:
    t = await context.translator()
    if (awaited := await awaited_case(update, context, "again", t)) is None:
        return ConversationHandler.END
    message, case_id = awaited
    actor = await context.actor()
    if await run(update, context, cmd.ComplainAgain(actor, case_id, text=message.text or ""), t):
        await context.replies.reply(update, t("my_cases.again_sent"))
    return ConversationHandler.END
