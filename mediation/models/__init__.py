from .agreements import CONFIRMATION_WINDOW_DAYS, Agreement, AgreementParty, JudicialConfirmationRequest, Obligation
from .bodies import Mediator, Organization
from .records import FollowUpVisit, MediationSession, Referral, Termination

__all__ = [
    "CONFIRMATION_WINDOW_DAYS",
    "Agreement",
    "AgreementParty",
    "FollowUpVisit",
    "JudicialConfirmationRequest",
    "MediationSession",
    "Mediator",
    "Obligation",
    "Organization",
    "Referral",
    "Termination",
]
