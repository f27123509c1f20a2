from .agreements import CONFIRMATION_WINDOW_DAYS, Agreement, AgreementParty, JudicialConfirmationRequest, Obligation
from .bodies import Mediator, Organization
from .ratings import COMMENT_MAX_LENGTH, PartyRating
from .records import FollowUpVisit, MediationSession, Referral, Termination

__all__ = [
    "COMMENT_MAX_LENGTH",
    "CONFIRMATION_WINDOW_DAYS",
    "Agreement",
    "AgreementParty",
    "FollowUpVisit",
    "JudicialConfirmationRequest",
    "MediationSession",
    "Mediator",
    "Obligation",
    "Organization",
    "PartyRating",
    "Referral",
    "Termination",
]
