from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.cases import generate_cases
from demo.topology import load_topology


class Command(BaseCommand):
    help = "Load the demo county, bodies and users of API.md; --cases N adds N realistic past cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=0, help="Also generate this many past cases.")
        parser.add_argument("--seed", type=int, default=20261122, help="Random seed for --cases.")

    def handle(self, *args, cases: int, seed: int, **options) -> None:
        if cases < 0:
            raise CommandError("--cases must be zero or more.")
        topology = load_topology()
        self.stdout.write(self.style.SUCCESS(
            f"Demo county {topology.county.name}: {len(topology.townships)} townships, "
            f"{sum(len(v) for v in topology.villages.values())} villages, "
            f"{sum(len(g) for g in topology.grids.values())} grids."
        ))
        if cases:
            created = generate_cases(topology, count=cases, seed=seed, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Generated {created} past cases."))
