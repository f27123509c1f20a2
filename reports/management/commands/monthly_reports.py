"""`python manage.py monthly_reports [--month YYYY-MM] [--region CODE]`: generate the monthly
screening reports (矛盾纠纷排查化解月报) of a month that is over; idempotent."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.models import Region
from reports import monthly


class Command(BaseCommand):
    help = ("Generate the monthly screening report of every village, township and the county for a month "
            "that is over (default: the month just ended, local time). Reports already stored are left as "
            "they are and checked against a recomputation; exit code 2 when one does not match.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM; default the month just ended.")
        parser.add_argument("--region", help="Region code: only that region and the reporting regions under it.")

    def handle(self, *args, month: str | None, region: str | None, **options) -> None:
        try:
            chosen = monthly.Month.parse(month) if month else monthly.month_just_ended()
        except ValueError:
            raise CommandError(f"--month must be YYYY-MM, not {month!r}.")
        regions = None
        if region:
            root = Region.objects.filter(code=region).first()
            if root is None:
                raise CommandError(f"No region with code {region!r}.")
            regions = monthly.report_regions(root)
            if not regions:
                raise CommandError(f"Region {region} has no reporting region (grids report through their village).")
        try:
            result = monthly.generate_month(chosen, regions=regions)
        except monthly.MonthNotOver as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"{result.month}: {result.created} created, {result.present} already present, "
                          f"{len(result.mismatched)} mismatched")
        if result.mismatched:
            raise CommandError("Stored reports that do not match their digest or their recomputation "
                               f"(left unchanged): {', '.join(result.mismatched)}", returncode=2)
