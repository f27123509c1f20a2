"""Realistic filing bodies (API.md `POST /api/v1/cases/`): Chinese text, valid ID numbers, phones.

Deterministic for a given random.Random, so two runs send the same requests.
"""
from __future__ import annotations

import datetime as dt
import random

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

SURNAMES = "张王李赵刘陈杨黄吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建国", "桂兰"]

# (dispute_type, title, description) — the kinds of dispute a grid worker meets on patrol.
DISPUTES = [
    ("neighborhood", "邻里漏水纠纷", "楼上住户卫生间漏水，渗到楼下厨房，双方就维修费用协商未果，情绪较为激动。"),
    ("housing_homestead", "宅基地边界纠纷", "两户相邻村民因翻建房屋对宅基地界址有争议，一方已开始砌墙，另一方要求停工。"),
    ("land_contract", "土地承包经营权纠纷", "承包户外出务工期间土地被他人耕种，返乡后要求收回，对方要求补偿投入。"),
    ("marriage_family", "赡养费纠纷", "老人有三个子女，对赡养费分摊和轮流照顾的安排意见不一，老人向网格员求助。"),
    ("labor", "拖欠工资纠纷", "某建筑工地十余名工人反映包工头拖欠三个月工资，约定的结算日期已过。"),
    ("property_management", "物业费纠纷", "小区业主以电梯长期故障为由拒交物业费，物业公司上门催缴发生争执。"),
    ("damages", "家禽损害赔偿纠纷", "一户散养的鸡鸭进入邻居菜地，毁坏蔬菜，双方就赔偿金额无法达成一致。"),
    ("contract", "装修合同纠纷", "业主与装修队因工程质量和尾款支付发生争议，装修队停工并锁门。"),
    ("traffic", "电动车碰撞纠纷", "两辆电动自行车在村道路口相撞，一人轻微受伤，就医疗费和误工费产生争议。"),
    ("consumer", "农资质量纠纷", "村民购买的化肥施用后作物减产，怀疑质量问题，与农资店协商赔偿未果。"),
    ("environment", "养殖异味纠纷", "村民反映邻近养猪场异味严重、污水外排，影响生活，要求整改。"),
    ("village_affairs", "村务公开纠纷", "部分村民对村集体土地租金的使用有疑问，要求公开账目。"),
]
SOURCES = ["grid_patrol"] * 6 + ["walk_in", "hotline_12345", "online", "police_referral"]


def id_number(rng: random.Random, county: str = "330681") -> str:
    """A resident ID number with a real birth date and a valid GB 11643 check digit."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 60 * 365))
    first17 = f"{county}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def filing_body(rng: random.Random, *, grid: str | None = None, high_risk_share: float = 0.0) -> dict:
    """One filing as a tablet sends it; `grid` omitted lets a one-grid worker's grid apply."""
    dispute_type, title, description = rng.choice(DISPUTES)
    parties = [{"role": "applicant", "name": name(rng), "id_number": id_number(rng), "phone": phone(rng)},
               {"role": "respondent", "name": name(rng), "phone": phone(rng)}]
    if rng.random() < 0.3:
        parties.append({"role": "third_party", "name": name(rng)})
    risk = "high" if rng.random() < high_risk_share else rng.choice(["normal"] * 8 + ["elevated"])
    occurred = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=rng.randrange(1, 24 * 14))
    body = {
        "title": title,
        "description": description,
        "dispute_type": dispute_type,
        "risk_level": risk,
        "source": rng.choice(SOURCES),
        "address": f"{rng.randrange(1, 12)}组{rng.randrange(1, 80)}号",
        "occurred_at": occurred.replace(microsecond=0).isoformat(),
        "people_involved": len(parties),
        "amount_involved": f"{rng.randrange(0, 50000)}.00",
        "latitude": f"{29.6 + rng.random() / 10:.6f}",
        "longitude": f"{120.2 + rng.random() / 10:.6f}",
        "parties": parties,
    }
    if grid:
        body["grid"] = grid
    return body
