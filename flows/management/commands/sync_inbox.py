from django.core.management.base import BaseCommand
from django.db import transaction

from flows import inbox


class Command(BaseCommand):
    help = "Rebuild the inbox's projection (flows.InboxEntry) from the open stage tasks and their clocks."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            count = inbox.rebuild()
        self.stdout.write(self.style.SUCCESS(f"{count} open stage task(s) in the inbox"))
