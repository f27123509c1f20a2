"""Every command of the actions layer in one namespace, for the callers on top (API, UI,
commands, the demo): `from actions import services; services.case_accept(...)`."""
from actions.attachments import case_add_attachment, case_attach, check_attach
from actions.clocks import case_extend_deadline, case_pause_clock, case_resume_clock, check_clock, check_extension
from actions.filing import CaseInput, PartyInput, case_file
from actions.party_codes import AlreadyRated, CaseStillOpen, case_rate_by_party, case_revoke_party_code
from actions.records import (
    agreement_complete,
    agreement_sign,
    check_agreement_act,
    check_confirmation_decision,
    check_follow_up,
    check_mediation_record,
    check_referral_tracking,
    follow_up_record,
    judicial_confirmation_decide,
    judicial_confirmation_request,
    referral_receive,
    session_record,
    termination_record,
)
from actions.risk import case_raise_risk, check_risk
from actions.tasks import task_assign, task_claim, task_unassign
from actions.transitions import (
    SERVICES,
    case_accept,
    case_close,
    case_close_unresolved,
    case_decline,
    case_escalate,
    case_merge,
    case_record_agreement,
    case_record_referral_outcome,
    case_refer,
    case_reopen,
    case_resolve_on_spot,
    case_return_to_village,
    case_triage_to_mediation,
    case_withdraw,
    check_transition,
)

__all__ = [
    "SERVICES", "AlreadyRated", "CaseInput", "CaseStillOpen", "PartyInput", "agreement_complete", "agreement_sign", "case_accept",
    "case_add_attachment", "case_attach", "case_close",
    "case_close_unresolved",
    "case_decline", "case_escalate", "case_extend_deadline", "case_file", "case_merge", "case_pause_clock",
    "case_raise_risk", "case_rate_by_party", "case_revoke_party_code", "case_record_agreement", "case_record_referral_outcome", "case_refer", "case_reopen", "case_resolve_on_spot",
    "case_resume_clock", "case_return_to_village", "case_triage_to_mediation", "case_withdraw",
    "check_agreement_act", "check_attach", "check_clock", "check_confirmation_decision", "check_extension", "check_follow_up", "check_mediation_record",
    "check_referral_tracking", "check_risk", "check_transition", "follow_up_record", "judicial_confirmation_decide", "judicial_confirmation_request",
    "referral_receive", "session_record", "task_assign", "task_claim", "task_unassign", "termination_record",
]
