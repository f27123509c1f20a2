from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choices import AgreementForm  # the ladder declares the agreement's inputs

__all__ = ["AgreementForm", "ConfirmationStatus", "DECIDED", "OrganizationKind", "VisitManner"]


class OrganizationKind(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", _("People's mediation committee")  # 人民调解委员会
    GOVERNANCE_CENTER = "governance_center", _("Comprehensive governance center")  # 综治中心
    DEPARTMENT = "department", _("Stationed department")  # 派驻部门: 司法所, 派出所, 人民法庭…
    PROFESSIONAL = "professional", _("Professional mediation organization")  # 专业性调解组织


class ConfirmationStatus(models.TextChoices):
    """Where a request for judicial confirmation (司法确认) stands at the court."""

    PENDING = "pending", _("Awaiting the court")  # 审查中
    CONFIRMED = "confirmed", _("Confirmed by the court")  # 裁定确认有效
    REJECTED = "rejected", _("Rejected by the court")  # 裁定驳回申请


DECIDED = (ConfirmationStatus.CONFIRMED, ConfirmationStatus.REJECTED)


class VisitManner(models.TextChoices):
    """How a follow-up visit (回访) reached the parties."""

    IN_PERSON = "in_person", _("In person")  # 上门回访
    PHONE = "phone", _("By phone")  # 电话回访
