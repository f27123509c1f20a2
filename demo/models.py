"""What `load_demo` has loaded: the record that makes loading again (at every `make run`) a no-op.

Not the Idempotency-Keys the cases are filed with: the server purges those after
IDEMPOTENCY_KEY_TTL_DAYS, and a demo case must stay known as one for as long as it exists —
both so that it is not filed again, and so that a case *not* recorded here is known to be real.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["DemoCase"]


class DemoCase(models.Model):
    case = models.OneToOneField("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE,
                                related_name="+")
    key = models.CharField(_("generator key"), max_length=64, unique=True)  # demo-<seed>-<index>
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demo case")
        verbose_name_plural = _("demo cases")

    def __str__(self) -> str:
        return self.key
