"""The deadline timers leave the process: the clock rows are the schedule the sweep reads.

The stage tasks' boundary timers (and the `raise_warning` / `handle_breach` functions and the
`warned` / `breach_handled` ends they led to) are no longer nodes of the flow. Their task rows
are kept, as the process's history: viewflow reads a row whose node is gone as an `Obsolete`
node (`Flow.node()`), which the admin, the task list and `task.flow_task` show like any finished
task, and which no dispatcher fires. The timers still armed are canceled here, so that nothing —
viewflow's own `workflow_timers` included — ever tries to fire them; the sweep acts on their
clocks instead, once (each clock's `warned_at` / `breached_at` says what has fired).
"""
from django.db import migrations
from django.utils import timezone

REMOVED = ("raise_warning", "handle_breach", "warned", "breach_handled")


def cancel_armed_timers(apps, schema_editor):
    Task = apps.get_model("viewflow", "Task")
    Task.objects.filter(process__flow_class="flows/flows.DisputeFlow", flow_task_type="TIMER",
                        status="SCHEDULED").update(status="CANCELED", finished=timezone.now())
    # A function or end of a removed node that never finished (an error): closed as canceled too.
    removed = [f"flows/flows.DisputeFlow.{name}" for name in REMOVED]
    Task.objects.filter(flow_task__in=removed, finished__isnull=True).update(status="CANCELED",
                                                                             finished=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("flows", "0003_stage_task_proxy"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(cancel_armed_timers, migrations.RunPython.noop)]
