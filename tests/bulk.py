"""Many filed cases at once, for the tests that need thousands of due deadlines.

Filing through the services costs tens of milliseconds a case; a test that needs 4,000 due
deadlines would spend minutes on filing alone. `clone_filed_case` copies, with `bulk_create`,
every row one real filing left — the case, its parties, its `file` event, its clock, its
viewflow process and tasks (the acceptance task) and the links between the tasks — so each copy
is a case the deadline sweep treats exactly as the original: firing its deadlines takes the
real path. Only for a case just filed (no later rows). A copy's `file` event keeps the original's
hash: the chains the sweep continues are right from there on, but only a real filing's whole
chain verifies.
"""
from __future__ import annotations

from django.db import connection, transaction
from viewflow.workflow.models import Process, Task

from casework.models import Case, CaseDeadline, CaseEvent, Party
from flows.models import DisputeProcess


def _copy(row, **changes):
    values = {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields if not f.primary_key}
    values.update(changes)
    return type(row)(**values)


@transaction.atomic
def clone_filed_case(case: Case, copies: int, *, tag: str | None = None) -> list[int]:
    """`copies` copies of a just-filed case, numbered after it (or `<its number>-<tag><n>`, where the
    day's sequence is taken by other copies: the deadline sweep's benchmark); their ids."""
    process = DisputeProcess.objects.get(case=case)
    base = Process.objects.get(pk=process.pk)
    parties = list(Party.objects.filter(case=case))
    events = list(CaseEvent.objects.filter(case=case))
    clocks = list(CaseDeadline.objects.filter(case=case))
    tasks = list(Task.objects.filter(process_id=process.pk).order_by("pk"))
    links = list(Task.previous.through.objects.filter(from_task__in=tasks).values_list("from_task_id", "to_task_id"))
    prefix, seq = case.number.rsplit("-", 1)

    numbers = ([f"{prefix}-{int(seq) + n:04d}" for n in range(1, copies + 1)] if tag is None
               else [f"{case.number}-{tag}{n}" for n in range(copies)])
    new_cases = Case.objects.bulk_create([_copy(case, number=number) for number in numbers])
    Party.objects.bulk_create([_copy(p, case_id=c.pk) for c in new_cases for p in parties])
    CaseEvent.objects.bulk_create([_copy(e, case_id=c.pk) for c in new_cases for e in events])
    CaseDeadline.objects.bulk_create([_copy(d, case_id=c.pk) for c in new_cases for d in clocks])
    new_processes = Process.objects.bulk_create([_copy(base) for _ in new_cases])
    # A multi-table child cannot be bulk-created: its own rows, pointing at the parents just made.
    table = DisputeProcess._meta.db_table
    ptr, case_column = DisputeProcess._meta.pk.column, DisputeProcess._meta.get_field("case").column
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({ptr}, {case_column}) VALUES (%s, %s)",
                           [(p.pk, c.pk) for p, c in zip(new_processes, new_cases, strict=True)])
    new_tasks = Task.objects.bulk_create([_copy(t, process_id=p.pk) for p in new_processes for t in tasks])
    index = {t.pk: i for i, t in enumerate(tasks)}
    Link = Task.previous.through
    Link.objects.bulk_create([
        Link(from_task_id=new_tasks[n * len(tasks) + index[a]].pk, to_task_id=new_tasks[n * len(tasks) + index[b]].pk)
        for n in range(len(new_processes)) for a, b in links])
    return [c.pk for c in new_cases]
