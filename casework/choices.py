"""Enumerations of the case domain, with Chinese labels (the msgids are English)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("County")  # 区县
    TOWNSHIP = "township", _("Township")  # 乡镇/街道
    VILLAGE = "village", _("Village")  # 村/社区
    GRID = "grid", _("Grid")  # 网格


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")  # 网格员
    MEDIATOR = "mediator", _("Mediator")  # 调解员
    COMMITTEE_HEAD = "committee_head", _("Committee head")  # 调委会主任
    CENTER_STAFF = "center_staff", _("Center staff")  # 综治中心工作人员
    TOWNSHIP_SUPERVISOR = "township_supervisor", _("Township supervisor")
    COUNTY_SUPERVISOR = "county_supervisor", _("County supervisor")
    ADMIN = "admin", _("Administrator")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VILLAGE_MEDIATION = "village_mediation", _("Village mediation")
    TOWNSHIP_TRIAGE = "township_triage", _("Township triage")
    TOWNSHIP_MEDIATION = "township_mediation", _("Township mediation")
    REFERRED = "referred", _("Referred")  # 多元化解分流
    AGREED = "agreed", _("Agreed")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = tuple(s for s in Status.values if s != Status.CLOSED)


class Outcome(models.TextChoices):
    RESOLVED_GRID = "resolved_grid", _("Resolved on the spot by the grid")  # 就地化解
    RESOLVED_VILLAGE = "resolved_village", _("Resolved in the village")
    RESOLVED_TOWNSHIP = "resolved_township", _("Resolved at the township")
    RESOLVED_CHANNEL = "resolved_channel", _("Resolved through a channel")
    DECLINED = "declined", _("Declined")  # 不予受理
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged into another case")  # 并单
    UNRESOLVED = "unresolved", _("Unresolved")


class Rung(models.TextChoices):
    """Where on the ladder a dispute is being worked, or was settled."""

    GRID = "grid", _("Grid")
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    CHANNEL = "channel", _("Channel")


class DisputeType(models.TextChoices):
    MARRIAGE_FAMILY = "marriage_family", _("Marriage and family")  # 婚姻家庭
    NEIGHBORHOOD = "neighborhood", _("Neighbourhood")  # 邻里
    HOUSING_HOMESTEAD = "housing_homestead", _("Housing and homestead")  # 房屋宅基地
    LAND_CONTRACT = "land_contract", _("Land contracting")  # 土地承包
    FOREST_LAND = "forest_land", _("Forest land rights")  # 山林权属
    CONTRACT = "contract", _("Contract")  # 合同
    DAMAGES = "damages", _("Damages")  # 损害赔偿
    LABOR = "labor", _("Labour and unpaid wages")  # 劳动争议/欠薪
    PROPERTY_MANAGEMENT = "property_management", _("Property management")  # 物业
    MEDICAL = "medical", _("Medical")  # 医疗
    TRAFFIC = "traffic", _("Road traffic")  # 道路交通
    CONSUMER = "consumer", _("Consumer")  # 消费
    LAND_ACQUISITION = "land_acquisition", _("Land acquisition and demolition")  # 征地拆迁
    ENVIRONMENT = "environment", _("Environmental pollution")  # 环境污染
    VILLAGE_AFFAIRS = "village_affairs", _("Village affairs")  # 村务管理
    OTHER = "other", _("Other")


class RiskLevel(models.TextChoices):
    NORMAL = "normal", _("Normal")  # 一般
    ELEVATED = "elevated", _("Elevated")  # 较大
    HIGH = "high", _("High")  # 重大


class Source(models.TextChoices):
    GRID_PATROL = "grid_patrol", _("Grid patrol")  # 网格巡查
    WALK_IN = "walk_in", _("Walk-in")  # 来访
    HOTLINE_12345 = "hotline_12345", _("12345 hotline")
    ONLINE = "online", _("Online")
    POLICE_REFERRAL = "police_referral", _("Police referral")  # 公安移交
    COURT_REFERRAL = "court_referral", _("Court referral")  # 诉前委派
    PETITION_OFFICE = "petition_office", _("Petition office")  # 信访


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")  # 申请人
    RESPONDENT = "respondent", _("Respondent")  # 被申请人
    THIRD_PARTY = "third_party", _("Third party")  # 第三人


class Channel(models.TextChoices):
    """The one-stop multi-channel resolution routes (一站式多元化解)."""

    ARBITRATION = "arbitration", _("Arbitration")  # 仲裁
    COURT = "court", _("Court / pre-filing mediation")  # 诉讼/诉前调解
    ADMINISTRATIVE_REVIEW = "administrative_review", _("Administrative reconsideration")  # 行政复议
    ADMINISTRATIVE_ADJUDICATION = "administrative_adjudication", _("Administrative adjudication")
    PETITION = "petition", _("Petition")  # 信访
    LEGAL_AID = "legal_aid", _("Legal aid")  # 法律援助
    COUNSELING = "counseling", _("Psychological counselling")  # 心理疏导


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意


class DeadlineKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance")
    VILLAGE_MEDIATION = "village_mediation", _("Village mediation")
    TOWNSHIP_TRIAGE = "township_triage", _("Township triage")
    TOWNSHIP_MEDIATION = "township_mediation", _("Township mediation")
    REFERRAL_FEEDBACK = "referral_feedback", _("Referral feedback")
    FOLLOW_UP = "follow_up", _("Follow-up visit")  # 回访
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("Judicial confirmation window")  # 司法确认


class DayCount(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class AgreementForm(models.TextChoices):
    """人民调解法 arts. 28–30: a written agreement (调解协议书), or an oral one the mediator records."""

    WRITTEN = "written", _("Written agreement")  # 书面协议
    ORAL = "oral", _("Oral agreement")  # 口头协议


class NotificationKind(models.TextChoices):
    """What a notification tells its recipient (the `kind` of API.md's WebSocket messages)."""

    ESCALATED = "escalated", _("Escalated")  # 上报
    HIGH_RISK = "high_risk", _("High risk")  # 重大风险
    DEADLINE_WARNING = "deadline_warning", _("Deadline warning")  # 即将超期
    DEADLINE_BREACHED = "deadline_breached", _("Deadline breached")  # 已超期
    SUPERVISION_ORDER = "supervision_order", _("Supervision order")  # 督办
    ASSIGNED = "assigned", _("Assigned to you")  # 指派
