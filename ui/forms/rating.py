"""The parties' rating of the handling (群众满意度) on their code's page; the service is
`actions.party_codes.case_rate_by_party`."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.choices import Satisfaction
from mediation.models import COMMENT_MAX_LENGTH


class PartyRatingForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("How satisfied are you with how your dispute was handled?"),
                                     choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything you want to tell us (optional)"), max_length=COMMENT_MAX_LENGTH, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At most %(n)d characters. Please do not write names, ID numbers or phone numbers.")
        % {"n": COMMENT_MAX_LENGTH},
    )
