"""One table, written by the baseline view."""
from django.conf import settings
from django.db import models


class BareRow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
