from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.cases import generate_cases
from demo.records import real_cases
from demo.topology import load_topology


class Command(BaseCommand):
    help = ("Load the demo county, bodies and users of API.md; --cases N adds N realistic past cases. "
            "Refuses a database that holds real cases.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=0, help="Also generate this many past cases.")
        parser.add_argument("--seed", type=int, default=20261122, help="Random seed for --cases.")
        parser.add_argument(
            "--skip-if-real-cases", action="store_true",
            help="When the database holds real cases, say so and load nothing, but succeed (`make run` "
                 "starts the server after it either way).")

    def handle(self, *args, cases: int, seed: int, skip_if_real_cases: bool, **options) -> None:
        if cases < 0:
            raise CommandError("--cases must be zero or more.")
        real = real_cases()
        if real:
            # Demo users with a published password and made-up disputes have no place beside real ones.
            message = (f"This database holds {real} real case(s) (filed by its users, not by load_demo): "
                       "demo data is never loaded into it. Nothing was loaded. For the demo, use a database "
                       "of its own (FENGQIAO_VAR_DIR or DATABASE_URL).")
            if skip_if_real_cases:
                self.stdout.write(self.style.WARNING(message))
                return
            raise CommandError(message)
        topology = load_topology()
        self.stdout.write(self.style.SUCCESS(
            f"Demo county {topology.county.name}: {len(topology.townships)} townships, "
            f"{sum(len(v) for v in topology.villages.values())} villages, "
            f"{sum(len(g) for g in topology.grids.values())} grids."
        ))
        if cases:
            created = generate_cases(topology, count=cases, seed=seed, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Generated {created} past cases."))
