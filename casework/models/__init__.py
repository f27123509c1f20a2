from .cases import Attachment, Case, CaseNumberCounter, IdempotencyKey, Party
from .deadlines import CaseDeadline, DeadlineRule, Holiday, is_ticking, ticking
from .events import CaseEvent
from .jurisdiction import Region, RoleAssignment, User, enclosing_paths, in_subtrees, path_at
from .outbox import SearchOutbox
from .party_codes import PartyCode

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
    "PartyCode",
    "Region",
    "RoleAssignment",
    "SearchOutbox",
    "User",
    "enclosing_paths",
    "in_subtrees",
    "is_ticking",
    "path_at",
    "ticking",
]
