from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", _("People's mediation committee")  # 人民调解委员会
    GOVERNANCE_CENTER = "governance_center", _("Comprehensive governance center")  # 综治中心
    DEPARTMENT = "department", _("Stationed department")  # 派驻部门: 司法所, 派出所, 人民法庭…
    PROFESSIONAL = "professional", _("Professional mediation organization")  # 专业性调解组织
