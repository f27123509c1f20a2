from .jurisdiction import Region, RoleAssignment, User
from .cases import Attachment, Case, CaseNumberCounter, IdempotencyKey, Party
from .events import CaseEvent
from .deadlines import CaseDeadline, DeadlineRule, Holiday

__all__ = [
    "Attachment",
    "Case",
    "CaseDeadline",
    "CaseEvent",
    "CaseNumberCounter",
    "DeadlineRule",
    "Holiday",
    "IdempotencyKey",
    "Party",
    "Region",
    "RoleAssignment",
    "User",
]
