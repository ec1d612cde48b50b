"""My cases: a resident's own cases, each one's timeline, and what they can
do about one (add information, cancel it while new, complain again)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ConversationHandler

from handlers.common import Context, error_text
from handlers.states import FollowUp, Next
from views.callbacks import Payload
from views.cards import summary_line
from views.i18n import Translator
from views.keyboards import inline
from views.notices import photo_ref
from views.promise import expectation
from workflow import commands as cmd
from workflow.actions import Action, available_actions
from workflow.errors import DomainError
from workflow.model import Case

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
    keyboard = inline([[(c.ref, "m", "det", c.id, "")] for c in cases])
    await context.replies.reply(update, "\n".join(lines), keyboard)


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
    lines += [
        t("timeline.line", when=t.when(e.at), what=t.raw("event." + e.kind))
        for e in events
        if t.has("event." + e.kind)
    ]
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


async def own_case(update: Update, context: Context, t: Translator) -> Case | None:
    """The case a button names, if it is the presser's own; answers the press otherwise."""
    query = update.callback_query
    assert query is not None
    payload = Payload.decode(query.data)
    case = None
    if payload is not None and payload.number is not None:
        case = await context.casebook.case(payload.number)
    user = update.effective_user
    if case is None or user is None or user.id not in case.audience():
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
        update, context, "adding", "my_cases.add_prompt", FollowUp.ADD_INFO
    )


async def begin_again(update: Update, context: Context) -> Next | None:
    return await _begin_text_step(update, context, "again", "my_cases.again_prompt", FollowUp.AGAIN)


async def _begin_text_step(
    update: Update, context: Context, key: str, prompt: str, state: FollowUp
) -> Next:
    t = await context.translator()
    case = await own_case(update, context, t)
    if case is None:
        return ConversationHandler.END
    assert update.callback_query is not None
    assert context.user_data is not None
    await context.replies.answer(update.callback_query)
    context.user_data[key] = case.id
    await context.replies.reply(update, t(prompt, ref=case.ref))
    return state


def _awaited_case(update: Update, context: Context, key: str) -> tuple[Message, int] | None:
    """The message answering a prompt, and the case the prompt was about (once)."""
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    case_id = context.user_data.pop(key, None)
    return None if case_id is None else (message, case_id)


async def on_add_info(update: Update, context: Context) -> Next:
    t = await context.translator()
    if (awaited := _awaited_case(update, context, "adding")) is None:
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
    if (awaited := _awaited_case(update, context, "again")) is None:
        return ConversationHandler.END
    message, case_id = awaited
    actor = await context.actor()
    if await run(update, context, cmd.ComplainAgain(actor, case_id, text=message.text or ""), t):
        await context.replies.reply(update, t("my_cases.again_sent"))
    return ConversationHandler.END
