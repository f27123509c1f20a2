from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from casework.audit import verify_audit
from casework.models import Case


class Command(BaseCommand):
    help = "Check every case's hash-chained audit trail; report the first tampered or missing event."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="Report every broken case, not just the first.")

    def handle(self, *args, all: bool = False, **options) -> None:
        total = Case.objects.count()
        problems = []
        with tqdm(total=total, unit="case", disable=total < 1000 or not self.stdout.isatty(), file=self.stderr) as bar:
            for problem in verify_audit(progress=bar.update):
                problems.append(problem)
                if not all:
                    break
        if problems:
            for problem in problems:
                self.stderr.write(f"TAMPERED {problem}")
            raise CommandError(f"audit trail broken in {len(problems)} case(s)" if all else "audit trail broken")
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {total} cases checked"))
