"""The form that raises a case's risk level (风险升级) on the case page; the service is
`actions.risk.case_raise_risk`, the rule of who may `casework.permissions.may_raise_risk`."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.risk import RISK_ORDER
from casework.choices import RiskLevel
from casework.models import Case


def higher_levels(case: Case) -> list[tuple[str, str]]:
    """The levels the case may be raised to, lowest first."""
    above = RISK_ORDER[RISK_ORDER.index(case.risk_level) + 1:]
    return [(level, RiskLevel(level).label) for level in above]


class RiskForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("New risk level"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Why (e.g. a threat of violence, more people drawn in)"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data=None, *, case: Case, **kwargs) -> None:
        super().__init__(data, prefix="risk", **kwargs)
        self.fields["risk_level"].choices = higher_levels(case)

    @property
    def fast_tracks(self) -> bool:
        return any(level == RiskLevel.HIGH for level, _label in self.fields["risk_level"].choices)
