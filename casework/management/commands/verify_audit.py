from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from casework.audit import anchor_path, check_anchor, verify_audit, write_anchor
from casework.models import Case


class Command(BaseCommand):
    help = ("Check every case's hash-chained audit trail and that its current record matches the state "
            "its last event committed to; publish or check the anchored chain heads.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="Report every broken case, not just the first.")
        parser.add_argument("--anchor", nargs="?", const="", metavar="PATH",
                            help="Append today's chain heads to the anchor file (default: AUDIT_ANCHOR_DIR).")
        parser.add_argument("--check-anchor", nargs="?", const="", metavar="PATH",
                            help="Also check every chain against the heads the anchor file published.")

    def handle(self, *args, all: bool = False, anchor: str | None = None, **options) -> None:
        against = options.get("check_anchor")
        if anchor is not None:
            written = write_anchor(anchor or None)
            self.stdout.write(self.style.SUCCESS(
                f"anchored {written['cases']} chain heads ({written['events']} events), root {written['root']}, "
                f"in {anchor_path(anchor or None)}"))
            return
        total = Case.objects.count()
        problems = []
        with tqdm(total=total, unit="case", disable=total < 1000 or not self.stdout.isatty(), file=self.stderr) as bar:
            for problem in verify_audit(progress=bar.update):
                problems.append(problem)
                if not all:
                    break
        if against is not None and (all or not problems):
            try:
                for problem in check_anchor(against or None):
                    problems.append(problem)
                    if not all:
                        break
            except FileNotFoundError as exc:
                raise CommandError(str(exc))
        if problems:
            for problem in problems:
                self.stderr.write(f"TAMPERED {problem}")
            raise CommandError(f"audit trail broken in {len(problems)} case(s)" if all else "audit trail broken")
        checked = f"audit trail intact: {total} cases checked"
        if against is not None:
            checked += f", chains match the anchors in {anchor_path(against or None)}"
        self.stdout.write(self.style.SUCCESS(checked))
