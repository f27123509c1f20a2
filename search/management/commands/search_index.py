"""`search_index --rebuild` loads every case into a new generation of the index and swaps it in;
`--check` compares the index with the database. Exit codes of --check: 0 when in step, else the
sum of 1 (cases missing from the index), 2 (stale: an older version indexed) and 4 (extra:
documents of cases that no longer exist)."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from search import indexing
from search.backends import get_backend
from search.query import SearchUnavailable

SHOWN = 10  # ids listed per kind of drift


class Command(BaseCommand):
    help = "Rebuild the search index from the database, or check it against the database."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="Build a new index and swap it in.")
        action.add_argument("--check", action="store_true",
                            help="Report documents missing, stale or extra; exit code 0 only when none.")
        action.add_argument("--repair", action="store_true", help="Index what --check finds missing or stale.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, rebuild: bool, check: bool, repair: bool, quiet: bool, **options) -> None:
        backend = get_backend()
        try:
            if rebuild:
                self._rebuild(backend, quiet)
            else:
                drift = indexing.repair(backend=backend) if repair else indexing.check(backend=backend)
                self._report(drift, repaired=repair)
                if check and drift:
                    sys.exit(drift.exit_code)
        except SearchUnavailable as exc:
            raise CommandError(f"The search engine ({backend.name}) does not answer: {exc}") from exc

    def _rebuild(self, backend, quiet: bool) -> None:
        bar = tqdm(total=0, unit="case", desc="Indexing", disable=quiet, file=self.stderr._out)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        rebuilt = indexing.rebuild(backend=backend, progress=progress)
        bar.close()
        rate = rebuilt.cases / rebuilt.seconds if rebuilt.seconds else 0
        self.stdout.write(
            f"Indexed {rebuilt.cases} cases into the {backend.name} index in {rebuilt.seconds:.1f} s "
            f"({rate:.0f} cases/s, {rebuilt.size_bytes / 1e6:.1f} MB); swapped in."
        )
        caught = rebuilt.caught_up
        if caught:
            self.stdout.write(f"Caught up {len(caught.missing) + len(caught.stale)} cases changed during the rebuild.")

    def _report(self, drift: indexing.Drift, *, repaired: bool) -> None:
        if not drift:
            self.stdout.write("The search index is in step with the database.")
            return
        for kind, ids in (("missing", drift.missing), ("stale", drift.stale), ("extra", drift.extra)):
            if ids:
                shown = ", ".join(str(i) for i in ids[:SHOWN]) + (" …" if len(ids) > SHOWN else "")
                self.stdout.write(f"{kind}: {len(ids)} ({shown})")
        if repaired:
            self.stdout.write("Repaired.")
