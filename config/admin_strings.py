"""Strings the admin shows that come from other packages' code or templates, marked here so
makemessages keeps them in our catalogue (locale/) and the admin reads entirely in Chinese.

Never imported: only makemessages reads this module. The catalogues of LOCALE_PATHS come before
the packages' own, so our msgstr is the one shown. tests/ui/test_admin_chinese.py checks that
the admin's index, app indexes and change lists show no English beyond its allowlist.
"""
from django.utils.translation import gettext_noop, pgettext_lazy

# Django's admin (5.2): the app list's hidden column headings, which its zh_Hans catalogue lacks.
gettext_noop("Model name")
gettext_noop("Add link")
gettext_noop("Change or view list link")

# viewflow.workflow: its app, models and fields, and the statuses (pgettext "STATUS").
gettext_noop("Workflow")
gettext_noop("Process")
gettext_noop("Process list")
gettext_noop("Task")
gettext_noop("Tasks")
gettext_noop("Flow")
gettext_noop("Owner")
gettext_noop("Assigned")
gettext_noop("Started")
gettext_noop("Finished")
pgettext_lazy("STATUS", "New")
pgettext_lazy("STATUS", "Started")
pgettext_lazy("STATUS", "Scheduled")
pgettext_lazy("STATUS", "Assigned")
pgettext_lazy("STATUS", "Done")
pgettext_lazy("STATUS", "Canceled")
pgettext_lazy("STATUS", "Error")
pgettext_lazy("STATUS", "Revived")

# django-axes: its models, fields and list filter.
gettext_noop("access attempt")
gettext_noop("access attempts")
gettext_noop("access failure")
gettext_noop("access failures")
gettext_noop("access log")
gettext_noop("access logs")
gettext_noop("User Agent")
gettext_noop("IP Address")
gettext_noop("Path")
gettext_noop("Attempt Time")
gettext_noop("Logout Time")
gettext_noop("Access lock out")
gettext_noop("Locked Out")

# Django's user add form (5.2), with its typographic apostrophes, which its zh_Hans catalogue lacks.
gettext_noop("After you’ve created a user, you’ll be able to edit more user options.")

# django-axes: the access log's fields.
gettext_noop("HTTP Accept")
gettext_noop("Meta Data")
gettext_noop("Access Attempt")
gettext_noop("access attempt expiration")
gettext_noop("access attempt expirations")
