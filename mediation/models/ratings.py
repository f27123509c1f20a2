"""The parties' own rating of how their dispute was handled (群众满意度), given with their code after the close.

One rating per code (解纷码): whoever holds the code rates once; a second attempt is refused, not
a replacement, so a rating once read by the committee does not change under it. A reissued code
may rate again (the case then shows both). Nothing about the rater is kept: no name, no address,
no IP — only the answer, an optional short comment, and when.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework import clock
from casework.choices import Satisfaction

__all__ = ["COMMENT_MAX_LENGTH", "PartyRating"]

COMMENT_MAX_LENGTH = 200


class PartyRating(models.Model):
    case = models.ForeignKey("casework.Case", verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="party_ratings")
    party_code = models.OneToOneField("casework.PartyCode", verbose_name=_("party code"), on_delete=models.CASCADE,
                                      related_name="rating")
    satisfaction = models.CharField(_("satisfaction"), max_length=32, choices=Satisfaction.choices)
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    rated_at = models.DateTimeField(_("rated at"), default=clock.now)

    class Meta:
        verbose_name = _("parties' rating")
        verbose_name_plural = _("parties' ratings")
        ordering = ["rated_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.satisfaction}"
