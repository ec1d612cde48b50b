"""A resident's feedback on a resolved case: fixed or not, stars, a comment."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from handlers.common import Context, error_text
from handlers.my_cases import awaited_case, own_case, run
from handlers.prompts import stamped
from handlers.states import Feedback, Next
from views.callbacks import Payload
from views.i18n import Markup, plain
from views.keyboards import inline, main_menu
from workflow import commands as cmd
from workflow.errors import DomainError
from workflow.model import Status


async def on_fixed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = await context.translator()
    case = await own_case(update, context, t)
    if case is None:
        return
    payload = Payload.decode(query.data)
    fixed = payload is not None and payload.action == "fixed"
    actor = await context.actor()
    try:
        await context.desk.execute(cmd.ConfirmFixed(actor, case.id, fixed=fixed))
    except DomainError as error:
        await context.replies.answer(query, plain(error_text(error, t)), alert=True)
        return
    context.outbound.wake()
    await context.replies.answer(query)
    # The result ("resolved, result: …, is it fixed?") stays as it was, without its
    # buttons; what follows comes as new messages under it.
    await context.replies.remove_buttons(query)
    if not fixed:
        await context.replies.reply(update, t("feedback.not_fixed", ref=case.ref))
        return
    stars = inline([[("★" * n, "f", "rate", case.id, n) for n in range(1, 6)]])
    await context.replies.reply(update, t("feedback.rate", ref=case.ref), stars)


async def on_rate(update: Update, context: Context) -> Next | None:
    query = update.callback_query
    assert query is not None
    t = await context.translator()
    case = await own_case(update, context, t)
    if case is None:
        return None
    payload = Payload.decode(query.data)
    stars = int(payload.arg) if payload and payload.arg.isdigit() else 0
    actor = await context.actor()
    try:
        await context.desk.execute(cmd.Rate(actor, case.id, stars=stars))
    except DomainError as error:
        await context.replies.answer(query, plain(error_text(error, t)), alert=True)
        return None
    context.outbound.wake()
    await context.replies.answer(query)
    skip = inline([[(t.raw("button.skip"), "f", "skip", case.id, "")]])
    await context.replies.edit_text(
        query, t("feedback.comment", ref=case.ref, stars="★" * stars), skip
    )
    assert context.user_data is not None
    context.user_data["commenting"] = stamped(context.clock.now(), case=case.id)
    return Feedback.COMMENT


async def on_comment(update: Update, context: Context) -> Next:
    t = await context.translator()
    if (awaited := await awaited_case(update, context, "commenting", t)) is None:
        return ConversationHandler.END
    message, case_id = awaited
    actor = await context.actor()
    text = message.text or ""
    if await run(update, context, cmd.Comment(actor, case_id, text=text), t):
        await _thank(update, context, case_id)
    return ConversationHandler.END


async def _thank(update: Update, context: Context, case_id: int) -> None:
    """The one thank-you, after the last step of the feedback: the case is closed."""
    t = await context.translator()
    case = await context.casebook.case(case_id)
    if case is not None and case.status is Status.CLOSED:
        text = t("notice.closed.feedback", ref=Markup(f"<b>{case.ref}</b>"))
    else:
        text = t("feedback.thanks")
    await context.replies.reply(update, text, main_menu(t))


async def on_skip(update: Update, context: Context) -> Next:
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    context.user_data.pop("commenting", None)
    await context.replies.answer(query)
    await context.replies.remove_buttons(query)
    payload = Payload.decode(query.data)
    await _thank(update, context, payload.number if payload and payload.number else 0)
    return ConversationHandler.END


async def on_skip_outside(update: Update, context: Context) -> None:
    """A Skip pressed after a restart lost the comment step: nothing to skip."""
    query = update.callback_query
    assert query is not None
    await context.replies.answer(query)
    await context.replies.remove_buttons(query)
