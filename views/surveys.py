"""Opinion surveys as each reader sees them: the resident's invitation,
reminder and one question at a time; the author's draft, preview, list and
closing note; the results as text, as a chart (CJK font) and as an .xlsx; the
summary published as a notice. Pure: facts in, text (or bytes) out."""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup

from views.i18n import Translator, plain
from views.keyboards import inline
from views.notices import Outgoing
from views.reports import cjk_font
from workflow.directory import Person
from workflow.surveys import (
    SCALE,
    Answer,
    Kind,
    Question,
    Results,
    SendKind,
    Survey,
    SurveyAudience,
    Tally,
)

SNIPPETS = 5  # free-text answers quoted in the results text
SNIPPET = 80
NOTICE_LIMIT = 3000  # the published summary, inside a notice's 3,500 characters


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _avg(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# --- the resident --------------------------------------------------------------------------


def invite_message(survey: Survey, kind: SendKind, t: Translator) -> Outgoing:
    """The invitation (or the one reminder) with its Start button."""
    key = "survey.reminder" if kind is SendKind.REMINDER else "survey.invite"
    closes = t.when(survey.closes_at)
    text = t.count(key, len(survey.questions), title=survey.title, closes=closes)
    text += "\n" + t("survey.anonymous" if survey.anonymous else "survey.named")
    keyboard = inline([[(t.raw("button.survey.start"), "v", "go", survey.id, "")]])
    return Outgoing(text, keyboard)


def question_text(survey: Survey, number: int, t: Translator) -> str:
    question = survey.questions[number]
    hint = t("survey.hint." + question.kind)
    return "\n".join(
        [
            t("survey.question.heading", title=survey.title),
            t("survey.question.number", number=number + 1, total=len(survey.questions)),
            "",
            f"<b>{_e(question.text)}</b>",
            hint,
        ]
    )


def question_keyboard(
    survey: Survey, number: int, picked: Sequence[int], t: Translator
) -> InlineKeyboardMarkup:
    question = survey.questions[number]
    target = f"{survey.id}.{number}"
    if question.kind is Kind.SCALE:
        return inline([[(str(v), "v", "a", target, v) for v in SCALE]])
    if question.kind is Kind.SINGLE:
        return inline([[(o, "v", "a", target, i)] for i, o in enumerate(question.options)])
    if question.kind is Kind.MULTIPLE:
        rows: list[list[tuple[str, str, str, object, object]]] = [
            [(("✅ " if i in picked else "") + o, "v", "t", target, i)]
            for i, o in enumerate(question.options)
        ]
        rows.append([(t.raw("button.survey.next"), "v", "d", target, "")])
        return inline(rows)
    return inline([[(t.raw("button.survey.skip"), "v", "s", target, "")]])


def thanks(survey: Survey, t: Translator) -> str:
    return t("survey.thanks", title=survey.title)


# --- the author ----------------------------------------------------------------------------


def question_line(number: int, question: Question, t: Translator) -> str:
    kind = t.raw("survey.kind." + question.kind)
    line = f"{number}. [{kind}] {_e(question.text)}"
    if question.options:
        line += "\n    " + _e(" | ".join(question.options))
    return line


def audience_text(audience: SurveyAudience, t: Translator) -> str:
    who = (
        t.join(t.building(b) for b in sorted(audience.buildings))
        if audience.buildings
        else t.raw("survey.audience.everyone")
    )
    if audience.percent is not None:
        return t.raw("survey.audience.percent", who=who, percent=audience.percent)
    if audience.count is not None:
        return t.raw("survey.audience.count", who=who, count=audience.count)
    return who


def preview(
    title: str,
    questions: Sequence[Question],
    audience: SurveyAudience,
    anonymous: bool,
    closes_at: datetime,
    reach: tuple[int, int],
    t: Translator,
) -> str:
    lines = [
        t("survey.preview.title", title=title),
        t(
            "survey.preview.audience",
            audience=audience_text(audience, t),
            count=reach[1],
            pool=reach[0],
        ),
        t("survey.anonymous" if anonymous else "survey.named"),
        t("survey.preview.closes", closes=t.when(closes_at)),
        "",
    ]
    lines += [question_line(i + 1, q, t) for i, q in enumerate(questions)]
    return "\n".join(lines)


def staff_list(surveys: Sequence[Survey], t: Translator) -> Outgoing:
    if not surveys:
        return Outgoing(t("survey.staff.none"))
    lines = [t("survey.staff.title")]
    rows: list[list[tuple[str, str, str, object, object]]] = []
    for survey in surveys:
        lines.append(
            t(
                "survey.staff.item",
                number=survey.id,
                title=survey.title,
                status=t.raw("survey.status." + survey.status),
                closes=t.when(survey.closed_at or survey.closes_at),
                finished=survey.finished,
                invited=survey.invited,
            )
        )
        row: list[tuple[str, str, str, object, object]] = [
            (t.raw("button.survey.results", number=survey.id), "v", "res", survey.id, "")
        ]
        if survey.is_open:
            row.append(
                (t.raw("button.survey.close", number=survey.id), "v", "close", survey.id, "")
            )
        else:
            row.append(
                (t.raw("button.survey.publish", number=survey.id), "v", "pub", survey.id, "")
            )
        rows.append(row)
    return Outgoing("\n".join(lines), inline(rows))


def closed_note(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    rate = p["finished"] / p["invited"] if p["invited"] else None
    text = t(
        "survey.closed.author",
        number=p["survey"],
        title=p["title"],
        finished=p["finished"],
        invited=p["invited"],
        rate=_pct(rate),
    )
    keyboard = inline(
        [
            [
                (t.raw("button.survey.results", number=p["survey"]), "v", "res", p["survey"], ""),
                (t.raw("button.survey.publish", number=p["survey"]), "v", "pub", p["survey"], ""),
            ]
        ]
    )
    return [Outgoing(text, keyboard)]


# --- results -------------------------------------------------------------------------------


def _tally_lines(tally: Tally, t: Translator, quotes: bool) -> list[str]:
    question = tally.question
    lines = [f"<b>{_e(question.text)}</b>"]
    if question.kind is Kind.SCALE:
        spread = " · ".join(f"{v}: {c}" for v, c in zip(SCALE, tally.counts, strict=True))
        lines.append(t.count("survey.result.scale", tally.answered, average=_avg(tally.average)))
        lines.append(spread)
    elif question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        base = tally.answered or 1
        lines += [
            t(
                "survey.result.option",
                option=o,
                count=c,
                share=_pct(c / base if tally.answered else None),
            )
            for o, c in zip(question.options, tally.counts, strict=True)
        ]
    else:
        lines.append(t.count("survey.result.texts", len(tally.texts)))
        if quotes:
            for text in tally.texts[:SNIPPETS]:
                flat = text.replace("\n", " ")
                lines.append("“" + _e(flat[:SNIPPET] + ("…" if len(flat) > SNIPPET else "")) + "”")
    return lines


def results_text(survey: Survey, results: Results, t: Translator, quotes: bool = True) -> str:
    lines = [
        t("survey.result.title", number=survey.id, title=survey.title),
        t(
            "survey.result.rate",
            finished=results.finished,
            invited=results.invited,
            rate=_pct(results.response_rate),
        ),
        t("survey.result.satisfaction", average=_avg(results.satisfaction)),
    ]
    for tally in results.tallies:
        lines.append("")
        lines += _tally_lines(tally, t, quotes)
    return "\n".join(lines)


def summary_texts(
    survey: Survey, results: Results, translators: Sequence[Translator]
) -> dict[str, str]:
    """The published summary in each language (plain text, as a notice's text
    is): the response rate and each question's figures, free texts counted
    but never quoted."""
    texts: dict[str, str] = {}
    for t in translators:
        text = plain(results_text(survey, results, t, quotes=False))
        texts[t.language] = text[:NOTICE_LIMIT]
    return texts


def chart(survey: Survey, results: Results, t: Translator) -> bytes:
    """One bar chart per question with figures (1–5 and choices), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font = cjk_font()
    family = font_manager.FontProperties(fname=font).get_name() if font else "DejaVu Sans"
    shown = [tl for tl in results.tallies if tl.question.kind is not Kind.TEXT]
    with plt.rc_context({"font.family": family, "font.size": 10}):
        rows = max(1, len(shown))
        fig, axes = plt.subplots(rows, 1, figsize=(6, 1.2 + 2.2 * rows), dpi=110, squeeze=False)
        fig.suptitle(
            t.raw("survey.chart.title", title=survey.title, rate=_pct(results.response_rate))
        )
        if not shown:
            axes[0][0].text(0.5, 0.5, t.raw("survey.chart.nothing"), ha="center")
            axes[0][0].axis("off")
        for ax_row, tl in zip(axes, shown, strict=False):
            ax = ax_row[0]
            labels = (
                [str(v) for v in SCALE]
                if tl.question.kind is Kind.SCALE
                else list(tl.question.options)
            )
            ax.barh(labels, tl.counts, color="#4c72b0")
            ax.invert_yaxis()
            title = tl.question.text if len(tl.question.text) <= 40 else tl.question.text[:39] + "…"
            if tl.average is not None:
                title += "  " + t.raw("survey.chart.average", average=_avg(tl.average))
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(t.raw("survey.chart.people"))
            ax.xaxis.get_major_locator().set_params(integer=True)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return buffer.getvalue()


def _cell(question: Question, answer: Answer | None) -> str | int | None:
    if answer is None:
        return None
    if question.kind is Kind.SCALE:
        return answer if isinstance(answer, int) else None
    if question.kind is Kind.SINGLE and isinstance(answer, int):
        return question.options[answer] if answer < len(question.options) else None
    if question.kind is Kind.MULTIPLE and isinstance(answer, list):
        return ", ".join(question.options[i] for i in answer if i < len(question.options))
    return answer if isinstance(answer, str) and answer else None


def workbook(
    survey: Survey,
    results: Results,
    answers: Mapping[int, Mapping[int, Answer]],
    people: Mapping[int, Person],
    t: Translator,
) -> bytes:
    """Two sheets: each question's figures, and one row per respondent (their
    name and home only when the survey is not anonymous)."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = t.raw("survey.sheet.summary")[:31]
    summary.append([survey.title])
    summary.append([t.raw("survey.sheet.invited"), results.invited])
    summary.append([t.raw("survey.sheet.finished"), results.finished])
    summary.append([t.raw("survey.sheet.rate"), results.response_rate])
    summary.append([t.raw("survey.sheet.satisfaction"), results.satisfaction])
    summary.append([])
    for number, tally in enumerate(results.tallies, start=1):
        summary.append(
            [f"{number}. {tally.question.text}", t.raw("survey.kind." + tally.question.kind)]
        )
        if tally.question.kind is Kind.SCALE:
            for value, count in zip(SCALE, tally.counts, strict=True):
                summary.append([str(value), count])
            summary.append([t.raw("survey.sheet.average"), tally.average])
        elif tally.question.kind is Kind.TEXT:
            summary.append([t.raw("survey.sheet.texts"), len(tally.texts)])
        else:
            for option, count in zip(tally.question.options, tally.counts, strict=True):
                summary.append([option, count])
        summary.append([])
    summary.column_dimensions["A"].width = 48
    sheet = book.create_sheet(t.raw("survey.sheet.answers")[:31])
    head = [] if survey.anonymous else [t.raw("survey.sheet.name"), t.raw("survey.sheet.home")]
    sheet.append(head + [f"{i}. {q.text}" for i, q in enumerate(survey.questions, start=1)])
    rows = sorted(answers.items())
    if survey.anonymous:  # in the order of the answers, which says nothing of who gave them
        rows.sort(key=lambda row: repr(sorted(row[1].items())))
    for user_id, given in rows:
        who: list[str | int | None] = []
        if not survey.anonymous:
            person = people.get(user_id)
            who = [
                person.name if person else str(user_id),
                t.home(person.building, person.unit) if person else "",
            ]
        sheet.append(who + [_cell(q, given.get(i)) for i, q in enumerate(survey.questions)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def figures_lines(
    closed: Sequence[tuple[Survey, Results]],
    trend: Sequence[tuple[Survey, float | None]],
    t: Translator,
) -> list[str]:
    """`/report`'s survey lines: each survey closed in the period, then the
    satisfaction of the last few surveys, oldest first."""
    lines = [
        t(
            "report.survey",
            title=survey.title,
            rate=_pct(results.response_rate),
            finished=results.finished,
            invited=results.invited,
            average=_avg(results.satisfaction),
        )
        for survey, results in closed
    ]
    if trend:
        points = " → ".join(_avg(value) for _, value in trend)
        lines.append(t("report.survey.trend", points=points))
    return lines
