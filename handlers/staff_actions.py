"""Buttons on case cards, and the replies some of them ask for.

Every press is authorised by the core against the presser's roles from the
directory (never the chat they press in); a refused press changes nothing,
is logged, and is answered with a short alert.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import CallbackQuery, ForceReply, Message, Update
from telegram.error import Forbidden
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from handlers.common import Context, error_text
from handlers.prompts import expired, stamped
from views.callbacks import Payload
from views.cards import FULL_TEXT
from views.i18n import Translator, plain
from views.keyboards import inline
from views.lengths import split_html
from views.notices import photo_ref, sorted_line
from workflow import commands as cmd
from workflow.actions import Action, may_read_full_text, refusal
from workflow.errors import DomainError, IllegalTransition, NotAllowed
from workflow.model import Actor, Case, Category, Severity, Team, Urgency

log = logging.getLogger("estate_desk.staff")

CATEGORY_CODES = {
    "r": Category.REPAIR,
    "rc": Category.REPAIR_COMPLAINT,
    "cl": Category.CLEANING,
    "s": Category.SECURITY,
    "m": Category.MANAGEMENT,
    "a": Category.ASSISTANCE,
}
SEVERITY_CODES = {"g": Severity.GENERAL, "m": Severity.MAJOR, "c": Severity.CRITICAL}
# Whom a management complaint is about (the office itself is the service team).
TEAM_CODES = {"r": Team.REPAIR, "cl": Team.CLEANING, "s": Team.SECURITY, "sv": Team.SERVICE}
URGENCY_CODES = {"u": Urgency.URGENT, "n": Urgency.NORMAL}
PROMPTED = {
    "resolve": "prompt.resolve",
    "escalate": "prompt.escalate",
    "merge": "prompt.merge",
    "return": "prompt.return",
    "msg": "prompt.msg",
}
# The step each prompt asks for: the presser must be allowed it before being asked.
PROMPTED_ACTIONS = {
    "resolve": Action.RESOLVE,
    "escalate": Action.ESCALATE,
    "merge": Action.MERGE,
    "return": Action.RETURN,
    "msg": Action.MESSAGE_RESIDENT,
}


async def on_card_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = await context.chat_translator()
    payload = Payload.decode(query.data)
    if payload is not None and payload.action == "ackall":
        await _acknowledge_digest(update, context, t, payload)
        return
    case = await _case(context, payload)
    if payload is None or case is None:
        await context.replies.answer(query, t.raw("error.stale"), alert=True)
        return
    actor = await context.actor()
    action = payload.action
    if action == "resolve" and case.category is Category.ASSISTANCE:
        action = "done"  # a guard marks help given with one tap; no note needed
    if action == FULL_TEXT:
        await _full_text(update, context, t, actor, case)
        return
    if action in PROMPTED:
        await _prompt(update, context, t, actor, case, action)
        return
    if action == "reclass":
        await _ask_category(update, context, t, actor, case)
        return
    command = _command(action, payload, actor, case)
    if command is None:
        await context.replies.answer(query, t.raw("error.stale"), alert=True)
        return
    if action == "rcsev" and not await _menu_is_theirs(update, context, t, case):
        return
    if not await _execute(update, context, t, command, case):
        return
    if action == "rcsev":
        await _menu_done(update, context, t, case)
        return
    await context.replies.answer(query, t.raw("done.short"))
    if action == "dismiss":
        await _show_sorted(context, case, _origin(query, t), "dismissed")
    if action == "ack":
        await _send_contact(update, context, [case])


async def _acknowledge_digest(
    update: Update, context: Context, t: Translator, payload: Payload
) -> None:
    """One press for a whole digest: acknowledge every case in it still waiting."""
    query = update.callback_query
    assert query is not None
    s = context.services
    case_ids = await s.boards.digest_cases(payload.number or 0)
    if case_ids is None:
        await context.replies.answer(query, t.raw("error.stale"), alert=True)
        return
    actor = await context.actor()
    taken = 0
    for case_id in case_ids:
        try:
            await s.desk.execute(cmd.Acknowledge(actor, case_id))
            taken += 1
        except DomainError as error:
            if isinstance(error, NotAllowed):
                await context.replies.answer(query, plain(error_text(error, t)), alert=True)
                return
    s.outbound.wake()
    await context.replies.answer(query, t.raw("done.ack_all", count=taken))
    if taken and update.effective_user is not None:
        cases = await s.casebook.cases(case_ids)
        mine = [c for c in cases if c.acknowledged_by == update.effective_user.id]
        await _send_contact(update, context, mine)


def _command(action: str, payload: Payload, actor: Actor, case: Case) -> cmd.CaseCommand | None:
    if action == "ack":
        return cmd.Acknowledge(actor, case.id)
    if action == "onsite":
        return cmd.MarkOnSite(actor, case.id)
    if action == "contacted":
        return cmd.RecordResidentContacted(actor, case.id)
    if action == "done":
        return cmd.Resolve(actor, case.id)
    if action == "dismiss":
        return cmd.Dismiss(actor, case.id)
    if action == "rcsev":
        choice = _Choice.parse(payload.arg)
        if choice is None or choice.missing() is not None:
            return None
        assert choice.category is not None
        assert choice.severity is not None
        return cmd.Reclassify(
            actor,
            case.id,
            category=choice.category,
            severity=choice.severity,
            urgency=choice.urgency,
            about_team=choice.team,
        )
    return None


async def _case(context: Context, payload: Payload | None) -> Case | None:
    if payload is None or payload.number is None:
        return None
    return await context.casebook.case(payload.number)


async def _execute(
    update: Update, context: Context, t: Translator, command: cmd.CaseCommand, case: Case
) -> bool:
    """Run a command from a button press; on refusal, answer with why."""
    try:
        await context.desk.execute(command)
    except DomainError as error:
        await _refused(update, context, t, error, type(command).__name__, case, command.actor)
        return False
    context.outbound.wake()
    return True


async def _may(
    update: Update, context: Context, t: Translator, action: Action, case: Case, actor: Actor
) -> bool:
    """Before asking anything (a note, a reference, a category): whether the
    desk would take that step from this presser; if not, the press is answered."""
    error = refusal(action, case, actor, context.clock.now(), context.desk.policy)
    if error is None:
        return True
    await _refused(update, context, t, error, f"a question to {action}", case, actor)
    return False


async def _refused(
    update: Update,
    context: Context,
    t: Translator,
    error: DomainError,
    step: str,
    case: Case,
    actor: Actor,
) -> None:
    """A step the desk refused (or would refuse): logged when not allowed,
    answered with why, and the case's cards redrawn if they were out of date."""
    query = update.callback_query
    if isinstance(error, NotAllowed):
        log.warning(
            "refused %s on %s by %s (roles %s)", step, case.ref, actor.user_id, sorted(actor.roles)
        )
    text = await _refusal(context, error, t)
    if query is not None:
        await context.replies.answer(query, text, alert=True)
    else:
        await context.replies.reply(update, text)
    if isinstance(error, IllegalTransition):
        await context.outbound.refresh_cards(case)


async def _refusal(context: Context, error: DomainError, t: Translator) -> str:
    taken_by = error.details.get("by")
    if isinstance(taken_by, int):
        person = await context.directory.person(taken_by)
        return t.raw("error.taken_by", name=person.name if person else "?")
    return plain(error_text(error, t))


async def _send_contact(update: Update, context: Context, cases: list[Case]) -> None:
    """Whoever takes residents' cases gets their phone numbers: privately, and in
    one message however many cases one press took."""
    user = update.effective_user
    cases = [c for c in cases if c.has_resident]
    if user is None or not cases:
        return
    people = await context.directory.people({c.reporter_id or 0 for c in cases})
    residents = {c.id: people.get(c.reporter_id or 0) for c in cases}
    me = await context.person()
    t = context.translator_for(me.language if me else None)
    lines = [
        t(
            "contact.private",
            ref=c.ref,
            name=r.name,
            phone=r.phone or "-",
            home=t.home(r.building, r.unit),
        )
        for c in cases
        if (r := residents[c.id]) is not None
    ]
    if not lines:
        return
    try:
        await context.replies.send(user.id, "\n".join(lines))
    except Forbidden:
        await context.replies.reply(update, t("contact.start_me", name=user.full_name))


async def _full_text(
    update: Update, context: Context, t: Translator, actor: Actor, case: Case
) -> None:
    """A card shows the start of a long description: the whole of it, in as
    many messages as Telegram's length limit needs, where the card is."""
    query = update.callback_query
    assert query is not None
    if not may_read_full_text(case, actor):
        log.warning("refused the full text of %s to %s", case.ref, actor.user_id)
        await context.replies.answer(query, t.raw("error.not_allowed"), alert=True)
        return
    await context.replies.answer(query)
    card = query.message if isinstance(query.message, Message) else None
    chat_id = card.chat.id if card else actor.user_id
    if chat_id is None:
        return
    thread_id = card.message_thread_id if card and card.is_topic_message else None
    text = t("card.full_text", ref=case.ref, text=case.description or "-")
    for piece in split_html(text):
        await context.replies.send(chat_id, piece, thread_id=thread_id)


# --- replies a button asks for: a result note, a reason, a reference --------------------


async def _prompt(
    update: Update, context: Context, t: Translator, actor: Actor, case: Case, action: str
) -> None:
    query = update.callback_query
    assert query is not None
    user = update.effective_user
    assert user is not None
    now = context.clock.now()
    # Ask only someone the desk would take the answer from: a forged or stray
    # press creates no prompt and stores nothing.
    if not await _may(update, context, t, PROMPTED_ACTIONS[action], case, actor):
        return
    await context.replies.answer(query)
    card = query.message if isinstance(query.message, Message) else None
    message = await context.replies.send(
        card.chat.id if card else user.id,
        t(PROMPTED[action], ref=case.ref, name=user.full_name),
        ForceReply(selective=True),
        thread_id=card.message_thread_id if card and card.is_topic_message else None,
    )
    waiting = await context.marks.all("prompt")
    await context.marks.put(
        "prompt",
        f"{message.chat.id}:{message.message_id}",
        stamped(now, case=case.id, user=user.id, action=action, **_origin(query, t)),
        forget=[key for key, value in waiting.items() if expired(value, now)],
    )


async def on_prompt_reply(update: Update, context: Context) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.reply_to_message is None:
        return
    key = f"{message.chat.id}:{message.reply_to_message.message_id}"
    s = context.services
    prompt = await s.marks.get("prompt", key)
    if not isinstance(prompt, dict) or prompt.get("user") != user.id:
        return  # a reply to something else, or to someone else's prompt
    t = await context.chat_translator()
    if expired(prompt, s.clock.now()):
        await s.marks.put("prompt", key, None)
        await context.replies.reply(update, t("prompt.expired"))
        raise ApplicationHandlerStop
    case = await s.casebook.case(int(prompt["case"]))
    if case is None:
        return
    actor = await context.actor()
    text = message.text or message.caption or ""
    command: cmd.CaseCommand
    if prompt["action"] == "resolve":
        photos = (photo_ref(message.photo[-1].file_id),) if message.photo else ()
        command = cmd.Resolve(actor, case.id, note=text, attachments=photos)
    elif prompt["action"] == "escalate":
        command = cmd.Escalate(actor, case.id, reason=text)
    elif prompt["action"] == "return":
        command = cmd.ReturnToFrontDesk(actor, case.id, reason=text)
    elif prompt["action"] == "msg":
        command = cmd.MessageResident(actor, case.id, text=text)
    else:
        primary = await s.casebook.case_by_ref(text.strip())
        if primary is None:
            await context.replies.reply(update, t("error.no_such_ref", ref=text.strip()[:20]))
            return
        command = cmd.Merge(actor, case.id, into_case_id=primary.id)
    if await _execute(update, context, t, command, case):
        await s.marks.put("prompt", key, None)
        await context.replies.reply(update, t("done." + prompt["action"], ref=case.ref))
        if isinstance(command, cmd.Merge):
            await _show_sorted(context, case, prompt, "merged", into=text.strip())
    raise ApplicationHandlerStop  # the reply was the prompt's answer, nothing else


def _origin(query: CallbackQuery, t: Translator) -> dict[str, str]:
    """Where a sorting step was pressed (the desk's line, or a card) and in which
    language that chat reads, kept with the menu or prompt it opens."""
    message = query.message
    if not isinstance(message, Message):
        return {}
    return {"line": f"{message.chat.id}:{message.message_id}", "lang": t.language}


async def _show_sorted(
    context: Context,
    case: Case,
    origin: Mapping[str, object],
    how: str,
    into: str | None = None,
) -> None:
    """The line the case was sorted from says what was done, with no buttons; a
    card is redrawn to the case as it is now (a card whose case left says where)."""
    line = origin.get("line")
    if not isinstance(line, str):
        return
    chat, _, message = line.partition(":")
    chat_id, message_id = int(chat), int(message)
    cards = (await context.services.boards.cards_of([case.id])).get(case.id, [])
    fresh = await context.casebook.case(case.id) or case
    if any(c.chat_id == chat_id and c.message_id == message_id for c in cards):
        # Redrawn now: a sorting step may tell nobody else (a guard's report
        # merged has no resident), so no delivery would redraw it.
        await context.outbound.refresh_cards(fresh)
        return
    language = origin.get("lang")
    t = context.translator_for(language if isinstance(language, str) else None)
    text = sorted_line(fresh, how, await context.person(), t, into=into)
    await context.replies.edit_message(chat_id, message_id, text)


# --- reclassify: category, the team complained about, severity, urgency -----------------


@dataclass(frozen=True)
class _Choice:
    """What the reclassify menu has been told so far, carried in its buttons'
    data as `category.severity.team.urgency` codes (empty while not asked)."""

    category: Category | None = None
    severity: Severity | None = None
    team: Team | None = None
    urgency: Urgency | None = None
    codes: tuple[str, str, str, str] = ("", "", "", "")

    @classmethod
    def parse(cls, arg: str) -> _Choice | None:
        parts = ([*arg.split("."), "", "", "", ""])[:4]
        c, s, tm, u = parts
        if (
            c not in CATEGORY_CODES
            or (s and s not in SEVERITY_CODES)
            or (tm and tm not in TEAM_CODES)
            or (u and u not in URGENCY_CODES)
        ):
            return None
        return cls(
            CATEGORY_CODES[c],
            SEVERITY_CODES.get(s),
            TEAM_CODES.get(tm),
            URGENCY_CODES.get(u),
            (c, s, tm, u),
        )

    def missing(self) -> str | None:
        """The next question to ask, or None when the choice is complete."""
        if self.category is Category.MANAGEMENT and self.team is None:
            return "team"
        if self.severity is None and self.category is not Category.ASSISTANCE:
            return "severity"
        if self.category is Category.REPAIR and self.urgency is None:
            return "urgency"
        return None


async def _ask_category(
    update: Update, context: Context, t: Translator, actor: Actor, case: Case
) -> None:
    """The desk's menu opens privately for the presser (who may finish it), not
    in the group; it is forgotten after the prompts' 15 minutes."""
    query = update.callback_query
    assert query is not None
    if not await _may(update, context, t, Action.RECLASSIFY, case, actor):
        return  # a picker only for someone who may reclassify
    await context.replies.answer(query)
    user = update.effective_user
    assert user is not None
    me = await context.person()
    own = context.translator_for(me.language if me else None)
    rows = [
        [(own.raw("category." + c), "c", "rcstep", case.id, code)]
        for code, c in CATEGORY_CODES.items()
    ]
    text = own("reclassify.category", ref=case.ref)
    origin = _origin(query, t)
    message: Message | None
    try:
        message = await context.replies.send(user.id, text, inline(rows))
    except Forbidden:
        # The presser never opened a chat with the bot: the menu opens in place,
        # on the message they pressed, and only they may press on in it.
        message = query.message if isinstance(query.message, Message) else None
        if message is None:
            return
        await context.replies.edit_text(query, text, inline(rows))
    now = context.clock.now()
    waiting = await context.marks.all("menu")
    await context.marks.put(
        "menu",
        f"{message.chat.id}:{message.message_id}",
        stamped(now, case=case.id, user=user.id, **origin),
        forget=[key for key, value in waiting.items() if expired(value, now)],
    )


async def _menu_is_theirs(update: Update, context: Context, t: Translator, case: Case) -> bool:
    """A step of a menu: only in a menu opened for this presser and this case,
    and not after it expired."""
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    user = update.effective_user
    menu = (
        await context.marks.get("menu", f"{message.chat.id}:{message.message_id}")
        if message is not None
        else None
    )
    if (
        not isinstance(menu, dict)
        or user is None
        or menu.get("user") != user.id
        or menu.get("case") != case.id
    ):
        await context.replies.answer(query, t.raw("error.not_allowed"), alert=True)
        return False
    if expired(menu, context.clock.now()):
        await context.replies.answer(query, t.raw("prompt.expired"), alert=True)
        return False
    return True


async def on_reclassify_step(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = await context.chat_translator()
    payload = Payload.decode(query.data)
    case = await _case(context, payload)
    choice = _Choice.parse(payload.arg) if payload is not None else None
    if payload is None or case is None or choice is None:
        await context.replies.answer(query, t.raw("error.stale"), alert=True)
        return
    if not await _may(update, context, t, Action.RECLASSIFY, case, await context.actor()):
        return
    if not await _menu_is_theirs(update, context, t, case):
        return
    missing = choice.missing()
    if missing is None:  # nothing more to ask (help with a task has no severity)
        command = _command(
            "rcsev",
            Payload(scope="c", action="rcsev", target=str(case.id), arg=_set(payload.arg, 1, "g")),
            await context.actor(),
            case,
        )
        if command is not None and await _execute(update, context, t, command, case):
            await _menu_done(update, context, t, case)
        return
    await context.replies.answer(query)
    assert choice.category is not None
    category = t.raw("category." + choice.category)
    final = "rcsev"
    if missing == "team":
        rows = [
            [(t.raw("complained.team." + tm), "c", "rcstep", case.id, _set(payload.arg, 2, code))]
            for code, tm in TEAM_CODES.items()
        ]
        text = t("reclassify.team", ref=case.ref, category=category)
    elif missing == "severity":
        after = _Choice.parse(_set(payload.arg, 1, "g"))
        step = final if after is not None and after.missing() is None else "rcstep"
        rows = [
            [
                (t.raw("severity." + s), "c", step, case.id, _set(payload.arg, 1, code))
                for code, s in SEVERITY_CODES.items()
            ]
        ]
        text = t("reclassify.severity", ref=case.ref, category=category)
    else:  # urgency, the last question of a repair
        rows = [
            [
                (t.raw("button.urgent"), "c", final, case.id, _set(payload.arg, 3, "u")),
                (t.raw("button.not_urgent"), "c", final, case.id, _set(payload.arg, 3, "n")),
            ]
        ]
        text = t("reclassify.urgency", ref=case.ref, category=category)
    await context.replies.edit_text(query, text, inline(rows))


async def _menu_done(update: Update, context: Context, t: Translator, case: Case) -> None:
    query = update.callback_query
    assert query is not None
    await context.replies.answer(query, t.raw("done.short"))
    message = query.message if isinstance(query.message, Message) else None
    key = f"{message.chat.id}:{message.message_id}" if message is not None else None
    menu = await context.marks.get("menu", key) if key is not None else None
    origin = menu if isinstance(menu, dict) else {}
    in_place = origin.get("line") == key  # opened where it was pressed: no private chat
    if not in_place:
        await context.replies.edit_text(query, t("done.reclassify", ref=case.ref))
    await _show_sorted(context, case, origin, "reclassified")
    if key is not None:
        await context.marks.put("menu", key, None)


def _set(arg: str, position: int, code: str) -> str:
    codes = ([*arg.split("."), "", "", "", ""])[:4]
    codes[position] = code
    return ".".join(codes).rstrip(".")


def staff_handlers() -> list[object]:
    return [
        CallbackQueryHandler(on_reclassify_step, pattern=r"^c:(rcstep|rccat):"),
        CallbackQueryHandler(on_card_button, pattern=r"^c:"),
    ]


def prompt_reply_handler() -> MessageHandler:  # type: ignore[type-arg]
    """Runs before everything else (its own handler group): a reply to one of
    our prompts is an answer, whatever conversation its author is in."""
    return MessageHandler(filters.REPLY & ~filters.COMMAND, on_prompt_reply)
