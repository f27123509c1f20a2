"""The events written before state digests existed commit to no state of the record: each case's
last event is made to commit to its record as it is now (casework.audit.commit_present_states).

The present state is trusted once, here; from this migration on, every event commits to the state
its change produced. Depends on the latest migration of each app whose models hang off a case,
so the walk of the record sees them.
"""
from django.db import migrations


def commit(apps, schema_editor):
    from casework.audit import commit_present_states

    commit_present_states(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0007_event_state_digest"),
        ("mediation", "0004_agreement_body_and_mediators"),
        ("flows", "0002_notification"),
    ]

    operations = [migrations.RunPython(commit, migrations.RunPython.noop, elidable=True)]
