"""The default deadline rules of DESIGN.md §2, as rows an administrator can edit."""
from django.db import migrations

DEFAULTS = [
    # kind, days, counted in, extension days
    ("acceptance", 3, "calendar", 0),
    ("village_mediation", 30, "calendar", 30),
    ("township_triage", 3, "working", 0),
    ("township_mediation", 30, "calendar", 30),
    ("referral_feedback", 30, "calendar", 0),
    ("follow_up", 15, "calendar", 0),
    ("judicial_confirmation", 30, "calendar", 0),
]


def create(apps, schema_editor):
    DeadlineRule = apps.get_model("casework", "DeadlineRule")
    for kind, days, day_count, extension in DEFAULTS:
        DeadlineRule.objects.get_or_create(
            kind=kind, region=None, dispute_type="",
            defaults={"days": days, "day_count": day_count, "extension_days": extension},
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
