"""Messages of flows/ that the web pages show but the project catalogue (locale/) does not
translate yet: listed here so that `makemessages` run in ui/ keeps them in ui/locale.

Django merges every app's catalogue, and locale/ wins where both have a msgid, so these can
move to the project catalogue at any time; then delete this module.
"""
from django.utils.translation import gettext_noop

BORROWED = (
    # flows/services.py: refusals of claim / assign / unassign
    gettext_noop("No such task in your queues."),
    gettext_noop("This task is already done."),
    gettext_noop("Already claimed by %(name)s."),
    gettext_noop("This task is not in your queue."),
    gettext_noop("Only the committee head or center staff may assign tasks."),
    gettext_noop("%(name)s does not work this queue."),
    gettext_noop("This task is not assigned."),
    gettext_noop("Only the holder, the committee head or center staff may unassign this task."),
    # flows/flows.py: stage titles shown in the inbox and on the case page
    gettext_noop("Village acceptance"),
    gettext_noop("Referral tracking"),
    gettext_noop("Dispute resolution"),
)
