"""A small record of cases with known words in them, filed and worked through the real services,
for the search conformance suite. Every case is in the demo county: 枫源村 (grid1's village) and
枫溪村 in 枫桥镇, 湄池村 (grid2's) in 店口镇."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from actions import services
from casework import clock
from casework.models import Case
from tests.conftest import agreement_in_force, file_case, user

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PHONE_OF_QIAN = "13700002222"
ID_OF_OUYANG = "330681199001011236"


@dataclass
class Corpus:
    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.ids[key]

    def numbers(self, *keys: str) -> set[str]:
        return set(Case.objects.filter(pk__in=[self.ids[k] for k in keys]).values_list("number", flat=True))


def _parties(*names: str, phone: str = "", id_number: str = "") -> list[dict]:
    roles = ["applicant", "respondent", "third_party"]
    parties = [{"role": roles[min(i, 2)], "name": name} for i, name in enumerate(names)]
    if phone:
        parties[0]["phone"] = phone
    if id_number:
        parties[0]["id_number"] = id_number
    return parties


def _file(corpus: Corpus, key: str, when: dt.datetime, *, reporter: str = "grid1", **fields) -> Case:
    with clock.travel_to(when):
        case = file_case(reporter, **fields)
    corpus.ids[key] = case.pk
    return case


def _settle_in_village(case: Case, terms: str, when: dt.datetime) -> None:
    with clock.travel_to(when):
        services.case_accept(case_id=case.pk, actor=user("head1"), mediators=[user("mediator1")])
        services.case_record_agreement(case_id=case.pk, actor=user("mediator1"), **agreement_in_force(case, terms))
        services.case_close(case_id=case.pk, actor=user("head1"), fulfilled=True, satisfaction="satisfied")


def _withdraw(case: Case, actor: str, when: dt.datetime) -> None:
    with clock.travel_to(when):
        services.case_withdraw(case_id=case.pk, actor=user(actor), note="申请人撤回")


def build() -> Corpus:
    corpus = Corpus()
    y2025 = dt.datetime(2025, 5, 12, 9, 0, tzinfo=SHANGHAI)
    y2026 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)

    leak = _file(corpus, "leak", y2025, title="楼上卫生间漏水纠纷", dispute_type="neighborhood",
                 description="楼上住户卫生间漏水，渗到楼下厨房天花板，双方就维修费用3000元协商未果。",
                 parties=_parties("张三", "李四"))
    _settle_in_village(leak, "楼上住户赔偿楼下维修费3000元，并重新做防水。", y2025 + dt.timedelta(days=10))

    _file(corpus, "homestead", y2026, title="宅基地边界围墙争议", dispute_type="housing_homestead",
          description="两户因宅基地边界围墙位置发生争执，一方拆除了另一方的院墙。",
          parties=_parties("王五", "赵六"))

    loan = _file(corpus, "loan", y2025, title="民间借贷欠款纠纷", dispute_type="contract",
                 description="欧阳娜娜向邻居借款12000元用于装修，约定一年归还，到期未还。",
                 parties=_parties("欧阳娜娜", "孙七", id_number=ID_OF_OUYANG))
    _withdraw(loan, "head1", y2025 + dt.timedelta(days=3))

    _file(corpus, "pigs", y2026, title="养殖场异味扰民", dispute_type="environment",
          description="村东养猪场气味难闻，附近住户多次反映。",
          parties=_parties("周八", "吴九"))

    _file(corpus, "noise", y2026, title="夜间噪音扰民", dispute_type="neighborhood",
          description="楼下棋牌室夜间噪音扰民，影响休息。", parties=_parties("郑十", "冯十一"))

    for i in range(12):
        _file(corpus, f"filler{i}", y2026 + dt.timedelta(days=i), title=f"邻里琐事调处{i}",
              dispute_type="neighborhood", description=f"第{i}起邻里之间因小事发生口角，网格员到场劝解。",
              parties=_parties("何甲", "何乙"))

    # 赡养 (support of elderly parents): three settled before, one open now — 类案参考.
    for i, (title, terms) in enumerate([
        ("老人赡养费分担纠纷", "三个子女每月各支付赡养费500元，轮流照料老人起居。"),
        ("子女拒绝赡养老人", "儿子每月支付父亲赡养费600元，负担医疗费用的一半。"),
        ("赡养老人医药费争议", "兄妹二人平均分担母亲住院医药费，并每月探望。"),
    ]):
        case = _file(corpus, f"elder{i}", y2025 + dt.timedelta(days=20 + i), title=title, dispute_type="marriage_family",
                     description=f"{title}：老人年迈体弱，子女之间就赡养费和医药费的分担发生争执，老人要求子女履行赡养义务。",
                     parties=_parties(f"陈{i}老", f"陈{i}子"))
        _settle_in_village(case, terms, y2025 + dt.timedelta(days=40 + i))
    _file(corpus, "elder_open", y2026, title="母亲赡养问题", dispute_type="marriage_family",
          description="老人要求三个子女分担赡养费和医药费，子女之间互相推诿，拒不履行赡养义务。",
          parties=_parties("陈老太", "陈大"))

    # Another township: 店口镇 (grid2). Words shared with 枫桥镇's cases on purpose.
    factory = _file(corpus, "factory", y2025, reporter="grid2", title="厂房屋顶漏水赔偿", dispute_type="contract",
                    description="租用的厂房屋顶漏水，货物受潮，承租方要求出租方赔偿3000元。",
                    parties=_parties("钱老板", "徐房东", phone=PHONE_OF_QIAN))
    _withdraw(factory, "center-330681111", y2025 + dt.timedelta(days=5))
    _file(corpus, "elder_other", y2026, reporter="grid2", title="赡养费纠纷", dispute_type="marriage_family",
          description="老人要求子女分担赡养费和医药费，子女拒不履行赡养义务。", parties=_parties("罗老", "罗子"))
    return corpus
