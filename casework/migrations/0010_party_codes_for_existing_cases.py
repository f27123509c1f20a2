"""A parties' code (解纷码) for every case filed before codes were issued with the filing.

The codes are not part of a case's audited record (casework.record), so no event digest changes.
"""
from django.db import migrations
from django.utils import timezone

from casework.models.party_codes import new_code

BATCH = 2000


def issue_missing(apps, schema_editor):
    Case = apps.get_model("casework", "Case")
    PartyCode = apps.get_model("casework", "PartyCode")
    now = timezone.now()
    missing = Case.objects.filter(party_codes__isnull=True).order_by("pk").values_list("pk", flat=True)
    ids = list(missing)
    for start in range(0, len(ids), BATCH):
        PartyCode.objects.bulk_create(
            PartyCode(case_id=pk, code=new_code(), created_at=now) for pk in ids[start:start + BATCH]
        )


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0009_party_code"),
    ]

    operations = [
        migrations.RunPython(issue_missing, migrations.RunPython.noop),
    ]
