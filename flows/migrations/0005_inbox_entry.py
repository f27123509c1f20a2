"""The inbox's projection of the open stage tasks (flows.InboxEntry), filled from the tasks and
clocks as they stand (what flows.inbox.sync computes, restated on the historical models)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    Task = apps.get_model("viewflow", "Task")
    DisputeProcess = apps.get_model("flows", "DisputeProcess")
    CaseDeadline = apps.get_model("casework", "CaseDeadline")
    ContentType = apps.get_model("contenttypes", "ContentType")
    InboxEntry = apps.get_model("flows", "InboxEntry")
    org_type = ContentType.objects.filter(app_label="mediation", model="organization").first()
    if org_type is None:
        return
    tasks = list(Task.objects.filter(flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"],
                                     owner_permission_content_type=org_type, owner_permission_obj_pk__isnull=False)
                 .values_list("pk", "process_id", "owner_permission_obj_pk", "owner_id", "flow_task", "status",
                              "created"))
    case_of = dict(DisputeProcess.objects.filter(pk__in={t[1] for t in tasks}).values_list("pk", "case_id"))
    due_of = {}
    # The earliest ticking clock but the judicial confirmation's (flows.inbox.stage_due).
    ticking = (models.Q(state__in=["running", "breached"]) | models.Q(state="paused", pause_ends_at__isnull=False))
    for case_id, due_at in (CaseDeadline.objects.filter(ticking, ended_at__isnull=True)
                            .exclude(kind="judicial_confirmation").values_list("case_id", "due_at")):
        if case_id not in due_of or due_at < due_of[case_id]:
            due_of[case_id] = due_at
    entries = []
    for pk, process_id, org, owner_id, flow_task, status, created in tasks:
        case_id = case_of.get(process_id)
        if case_id is None:
            continue
        stage = getattr(flow_task, "name", None) or str(flow_task).rsplit(".", 1)[-1]
        entries.append(InboxEntry(task_id=pk, case_id=case_id, organization_id=int(org), owner_id=owner_id,
                                  stage=stage, status=status, created=created, due_at=due_of.get(case_id)))
    InboxEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0012_verbose_names'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('flows', '0004_deadline_timers_to_clocks'),
        ('mediation', '0007_verbose_names'),
        ('viewflow', '0015_task_scheduled'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='InboxEntry',
            fields=[
                ('task', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='inbox_entry', serialize=False, to='viewflow.task', verbose_name='workflow task')),
                ('stage', models.CharField(max_length=50, verbose_name='stage')),
                ('status', models.CharField(max_length=50, verbose_name='status')),
                ('created', models.DateTimeField(verbose_name='created at')),
                ('due_at', models.DateTimeField(blank=True, null=True, verbose_name='due at')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='inbox_entries', to='casework.case', verbose_name='case')),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='inbox_entries', to='mediation.organization', verbose_name='organization')),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='inbox_entries', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'Inbox',
                'verbose_name_plural': 'Inbox',
                'indexes': [models.Index(fields=['organization', 'owner', 'due_at', 'task'], name='inbox_queue_owner_due'), models.Index(fields=['organization', 'due_at', 'task'], name='inbox_queue_due')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
