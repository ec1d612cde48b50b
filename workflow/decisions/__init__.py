"""Every change a case can go through, as pure functions.

Each function takes the case as it is, the command and the time, and returns
a `Decision`: the case as it should become, the events to append to the log
and the notifications to send. Nothing here reads a clock, a database or a
network, and the case passed in is never modified: a refused command leaves
no trace.

One module per part of the workflow: `filing` (a new case), `staff` (the
steps on a card), `escalation` (by hand and by timer), `feedback` (the
resident's side), `guards` (whether a step may happen, shared with
`workflow.actions`), `shared` (the working copy and the common moves).
"""

from collections.abc import Callable

from workflow import commands as cmd
from workflow.decisions.calm import calm
from workflow.decisions.escalation import escalate, tick
from workflow.decisions.feedback import (
    add_info,
    cancel,
    comment,
    complain_again,
    confirm_fixed,
    rate,
)
from workflow.decisions.filing import (
    check_filing_limit,
    file_case,
    find_repeat,
    link_offer,
    linkable,
)
from workflow.decisions.guards import can_complain_again, staff_roles_for
from workflow.decisions.shared import MAX_TEXT, POOR_RATING, REPEATABLE, Decision
from workflow.decisions.staff import (
    acknowledge,
    dismiss,
    mark_on_site,
    merge,
    message_resident,
    reclassify,
    record_resident_contacted,
    resolve,
    return_to_front_desk,
)
from workflow.decisions.unseen import skip_unseen
from workflow.permissions import SUPERVISING_ROLES

__all__ = [
    "MAX_TEXT",
    "POOR_RATING",
    "REPEATABLE",
    "STEPS",
    "SUPERVISING_ROLES",
    "Decision",
    "acknowledge",
    "add_info",
    "calm",
    "can_complain_again",
    "cancel",
    "check_filing_limit",
    "comment",
    "complain_again",
    "confirm_fixed",
    "dismiss",
    "escalate",
    "file_case",
    "find_repeat",
    "link_offer",
    "linkable",
    "mark_on_site",
    "merge",
    "message_resident",
    "rate",
    "reclassify",
    "record_resident_contacted",
    "resolve",
    "return_to_front_desk",
    "skip_unseen",
    "staff_roles_for",
    "tick",
]

# Which decision answers each command on one case (merging two cases, filing and
# the timer have their own entry points: `merge`, `file_case`, `tick`).
STEPS: dict[type[cmd.CaseCommand], Callable[..., Decision]] = {
    cmd.Acknowledge: acknowledge,
    cmd.MarkOnSite: mark_on_site,
    cmd.RecordResidentContacted: record_resident_contacted,
    cmd.Resolve: resolve,
    cmd.Escalate: escalate,
    cmd.Reclassify: reclassify,
    cmd.Cancel: cancel,
    cmd.AddInfo: add_info,
    cmd.ComplainAgain: complain_again,
    cmd.ConfirmFixed: confirm_fixed,
    cmd.Rate: rate,
    cmd.Comment: comment,
    cmd.ReturnToFrontDesk: return_to_front_desk,
    cmd.MessageResident: message_resident,
    cmd.Dismiss: dismiss,
}
