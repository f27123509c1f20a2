"""The only code that changes a case. Views, commands, consumers and flow nodes call these."""
from casework.services.attachments import case_add_attachment
from casework.services.audit import record_event, verify_audit
from casework.services.filing import CaseInput, PartyInput, case_file
from casework.services.transitions import (
    TRANSITION_SERVICES,
    TRANSITIONS,
    allowed_transitions,
    case_accept,
    case_close,
    case_decline,
    case_escalate,
    case_merge,
    case_pause_clock,
    case_record_agreement,
    case_record_referral_outcome,
    case_refer,
    case_reopen,
    case_resolve_on_spot,
    case_resume_clock,
    case_return_to_village,
    case_triage_to_mediation,
    case_withdraw,
)

__all__ = [
    "TRANSITIONS", "TRANSITION_SERVICES", "CaseInput", "case_add_attachment", "PartyInput", "allowed_transitions", "case_accept", "case_close",
    "case_decline", "case_escalate", "case_file", "case_merge", "case_pause_clock",
    "case_record_agreement", "case_record_referral_outcome", "case_refer", "case_reopen",
    "case_resolve_on_spot", "case_resume_clock", "case_return_to_village",
    "case_triage_to_mediation", "case_withdraw", "record_event", "verify_audit",
]
