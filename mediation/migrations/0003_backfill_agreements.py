"""Agreements recorded before art. 35 contents existed: give each its number and parties, and
take it to be in force from the day it was recorded (what the countdown already assumed)."""
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations


def backfill(apps, schema_editor):
    Agreement = apps.get_model("mediation", "Agreement")
    AgreementParty = apps.get_model("mediation", "AgreementParty")
    Party = apps.get_model("casework", "Party")
    tz = ZoneInfo(settings.TIME_ZONE)
    seen: dict[int, int] = {}
    for agreement in Agreement.objects.select_related("case").order_by("case_id", "recorded_at", "id").iterator():
        seen[agreement.case_id] = seen.get(agreement.case_id, 0) + 1
        day = agreement.recorded_at.astimezone(tz).date()
        agreement.number = agreement.number or f"{agreement.case.number}-{seen[agreement.case_id]}"
        agreement.concluded_on = agreement.concluded_on or day
        agreement.effective_on = agreement.effective_on or day
        agreement.save(update_fields=["number", "concluded_on", "effective_on"])
        if not AgreementParty.objects.filter(agreement=agreement).exists():
            AgreementParty.objects.bulk_create(
                AgreementParty(agreement=agreement, party=party)
                for party in Party.objects.filter(case_id=agreement.case_id).order_by("id")
            )


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0002_agreement_contents_and_records"),
        ("casework", "0004_case_updated_at_clock"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
