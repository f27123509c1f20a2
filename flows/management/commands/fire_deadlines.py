import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from casework import clock
from flows.timers import due_count, fire_due


class Command(BaseCommand):
    help = "Process every deadline due at a moment (default: now): warnings, escalations, supervision orders."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", help="ISO 8601 moment, e.g. 2026-12-31T09:00:00+08:00")
        parser.add_argument("--dry-run", action="store_true", help="Only count what is due.")

    def handle(self, *args, as_of: str | None = None, dry_run: bool = False, **options) -> None:
        moment = clock.now()
        if as_of:
            try:
                # A bare date means the whole of that local day.
                parsed = dt.datetime.combine(dt.date.fromisoformat(as_of), dt.time.max)
            except ValueError:
                parsed = parse_datetime(as_of)
            if parsed is None:
                raise CommandError(f"--as-of is not an ISO 8601 moment: {as_of!r}")
            moment = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        total = 0 if dry_run else due_count(moment)
        with tqdm(total=total, unit="deadline", disable=dry_run or total < 200 or not self.stderr.isatty(),
                  file=self.stderr) as bar:
            result = fire_due(as_of=moment, dry_run=dry_run, progress=bar.update)
        verb = "due" if dry_run else "fired"
        count = result.due if dry_run else result.fired
        self.stdout.write(self.style.SUCCESS(
            f"{count} deadline(s) {verb} as of {timezone.localtime(moment):%Y-%m-%d %H:%M}"
            + ("" if dry_run else f"; {result.skipped} skipped, {result.failed} failed")
        ))
        if result.failed:
            raise CommandError(f"{result.failed} deadline(s) failed; see the log")
