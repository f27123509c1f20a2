"""The text of the demo cases: what each kind of dispute looks like, as users write it.

Plain data (Chinese) for `demo.cases`; templates use str.format slots.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casework.choices import Channel, DisputeType, Outcome, Satisfaction, Source

T = DisputeType
O = Outcome  # noqa: E741 - short alias for the outcome table

# --------------------------------------------------------------------------------------------
# Stories: what each kind of dispute looks like. Templates use str.format slots (see _Context).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    titles: tuple[str, ...]
    text: str
    deal: tuple[str, tuple[str, ...]]  # agreement terms, the obligations it sets (due1, due2…)
    spot: str  # how a grid worker settled it on the spot (就地化解)
    amount: tuple[int, int] | None = None  # yuan
    applicant: str = "person"  # a party kind, see _Parties.make
    respondent: str = "person"
    third: str | None = None
    group: bool = False  # several applicants (群体性)
    urban: bool = False  # the address is a flat in a residential compound
    place: str = ""  # the case address, when it is not the applicant's home


@dataclass(frozen=True)
class Profile:
    """Per dispute type: its stories and where it goes when the village cannot settle it."""

    stories: tuple[Story, ...]
    decline: tuple[tuple[str, str], ...]  # (reason, advised channel)
    refer: tuple[tuple[str, str], ...]  # (channel, receiving body)
    lead: tuple[str, ...]  # lead bodies at the township: "center", a department, "professional"
    escalate: tuple[str, ...] = ()


PROFILES: dict[str, Profile] = {
    T.MARRIAGE_FAMILY: Profile(
        stories=(
            Story(
                titles=("{a}与子女赡养纠纷", "老人赡养费分担纠纷", "{village}{a}赡养问题"),
                text=("{a}今年{age_old}岁，育有{kids}名子女，老伴去世后独自居住在{addr}。{a}反映，近{months}个月来长子{b}"
                      "以经济困难为由不再支付赡养费，其{disease}住院期间的医药费{amount}元也由本人垫付。{a}要求子女按月支付"
                      "赡养费并分摊医药费；{b}称自己平时负担老人的口粮和日常照料，认为其他兄妹应多出钱。"),
                deal=("经调解，{b}等子女自{month_next}起每人每月支付{a}赡养费{monthly}元，于每月10日前转入{a}的银行账户；"
                      "{a}住院医药费扣除医保报销后由子女平均分担，{b}负责老人日常看护。",
                      ("{b}支付首期赡养费{monthly}元", "子女平均分担住院医药费")),
                spot="网格员联系{b}到场，讲明赡养父母的法定义务，{b}当场承诺按月给付赡养费{monthly}元，并向老人道歉。",
                amount=(2000, 30000), applicant="elder", respondent="kin",
            ),
            Story(
                titles=("彩礼返还纠纷", "{a}与{b}婚约财产纠纷"),
                text=("{a}之子与{b}之女于{year}年经媒人介绍订婚，{a}家按当地习俗给付彩礼{amount}元及金手镯、金项链各一件。"
                      "双方未办理结婚登记即分手，{a}要求{b}全额返还彩礼和金饰；{b}认为两人已共同生活{months}个月，"
                      "女方还为此辞去了工作，只同意返还部分彩礼。"),
                deal=("{b}返还{a}彩礼{amount_part}元，分两期付清；金饰由{b}于{due1}前退还；双方今后就婚约财产互不追究。",
                      ("{b}退还金饰并支付首期彩礼款", "{b}付清剩余彩礼款")),
                spot="网格员邀请媒人到场说和，{b}同意退还金饰和大部分彩礼，双方握手言和。",
                amount=(38000, 188000), applicant="man", respondent="man",
            ),
            Story(
                titles=("夫妻矛盾纠纷", "{a}与{b}家庭矛盾", "夫妻感情纠纷"),
                text=("{a}与丈夫{b}结婚{years}年，育有一子。近半年来{b}沉迷打牌，输掉家中积蓄{amount}元，双方多次争吵。"
                      "{date_recent}晚{b}酒后与{a}发生推搡，{a}手臂擦伤，带孩子回娘家居住并提出离婚。"),
                deal=("{b}书面保证戒赌、不再动手，工资卡交由{a}保管；双方同意接受{township}社会心理服务站的婚姻家庭辅导，"
                      "{a}带孩子回家居住。", ("{b}交付书面保证书和工资卡", "双方完成三次婚姻家庭辅导")),
                spot="网格员和妇联执委上门劝和，{b}当面认错并写下保证书，{a}同意先回家居住，网格员约定一周后回访。",
                amount=(5000, 80000), applicant="woman", respondent="man",
            ),
            Story(
                titles=("{a}兄弟分家析产纠纷", "老宅分割纠纷", "{village}兄弟房产分割纠纷"),
                text=("{a}与弟弟{b}因父母遗留的{addr}老宅（{rooms}间两层楼房）分割发生争执。父亲生前未立遗嘱，母亲{c}尚健在，"
                      "{b}多年来一直住在老宅，并自行翻建了厨房和卫生间；{a}要求按份分割，或由{b}折价补偿。"),
                deal=("老宅归{b}所有，{b}补偿{a}房屋折价款{amount_part}元，于{due1}前付清；母亲{c}由兄弟二人轮流赡养，每家各住半年。",
                      ("{b}支付房屋折价款{amount_part}元",)),
                spot="网格员请来族中长辈一同调处，兄弟俩同意老宅暂由{b}居住，{b}每年给{a}一定补偿，并一起照顾母亲。",
                amount=(60000, 400000), applicant="man", respondent="kin", third="elder",
            ),
            Story(
                titles=("子女抚养费纠纷", "{a}追索抚养费纠纷"),
                text=("{a}与前夫{b}于{year}年协议离婚，约定儿子随{a}生活，{b}每月支付抚养费{monthly}元。{b}自{months}个月前"
                      "起以收入下降为由停止支付，累计拖欠{arrears}元。孩子今年上初中，学费和补课费开支较大，{a}多次催讨未果。"),
                deal=("{b}于{due1}前补付拖欠的抚养费{arrears}元，此后每月15日前支付抚养费{monthly}元，孩子的学费由双方各负担一半。",
                      ("{b}补付拖欠的抚养费", "{b}支付下学期学费的一半")),
                spot="网格员电话联系{b}，{b}承认拖欠，当场通过手机转账补付了部分抚养费，并承诺按月支付。",
                amount=(3000, 40000), applicant="woman", respondent="man",
            ),
        ),
        decline=(
            ("双方已就离婚事宜向人民法院起诉，法院已立案受理，依法不予受理。", Channel.COURT),
            ("申请人要求确认婚姻无效，不属于人民调解的范围。", Channel.COURT),
            ("申请人情绪低落、多次表示轻生念头，先转介心理疏导，待情绪稳定后再行调解。", Channel.COUNSELING),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院{court}"),
            (Channel.COUNSELING, "{township}社会心理服务站"),
            (Channel.LEGAL_AID, "诸暨市法律援助中心"),
        ),
        lead=("center", "司法所", "center"),
        escalate=("家庭矛盾激化，一方扬言要同归于尽，需镇里联合妇联、派出所介入。",),
    ),
    T.NEIGHBORHOOD: Profile(
        stories=(
            Story(
                titles=("楼上漏水邻里纠纷", "{community}漏水纠纷", "卫生间渗水引发邻里矛盾"),
                text=("{a}家住{addr}，楼上{b}家卫生间防水层老化，导致{a}家厨房和卫生间吊顶发霉、墙面起皮，已持续{months}个月。"
                      "{a}多次上门沟通，{b}以房屋已出租、应由租客负责为由推诿。{a}估算维修费用约{amount}元。"),
                deal=("{b}于{due1}前请专业人员重做卫生间防水，并一次性补偿{a}吊顶和墙面修复费{amount}元。",
                      ("{b}完成卫生间防水维修", "{b}支付修复费{amount}元")),
                spot="网格员上门查看后约双方当面协商，{b}同意本周内请师傅重做防水，并承担{a}家吊顶修复费用。",
                amount=(800, 6000), urban=True,
            ),
            Story(
                titles=("排水沟堵塞邻里纠纷", "房前排水引发的邻里纠纷", "{a}与{b}排水纠纷"),
                text=("{a}与{b}是{village}{group}的前后邻居。{b}在自家门前浇筑水泥场地时把原有排水沟填平，每逢下雨雨水倒灌进{a}家院子，"
                      "{date_recent}暴雨时{a}家一楼进水，堆放的{goods}受潮损坏，双方为此发生口角。"),
                deal=("{b}于{due1}前在场地东侧重新开挖宽30厘米的排水沟并铺设盖板，费用自理；{b}补偿{a}物品损失{amount}元。",
                      ("{b}重新开挖排水沟并铺设盖板", "{b}支付物品损失补偿")),
                spot="网格员现场查看水流走向，{b}同意在场地边上留出排水口，当天就请人开了一条明沟，{a}表示满意。",
                amount=(300, 5000),
            ),
            Story(
                titles=("噪音扰民邻里纠纷", "{workshop}噪音扰民纠纷", "夜间噪声纠纷"),
                text=("{a}反映，楼下{b}在家中开设{workshop}，每天早上六点到晚上十点机器运转，噪音和震动严重影响其家人休息，"
                      "家中老人患有高血压，孩子正准备中考。{a}已报警{n}次，{b}称这是谋生需要，拒绝搬离。"),
                deal=("{b}为设备加装减震垫并将设备移至一楼车库，每日作业时间限定在8时至18时，于{due1}前完成整改，由网格员上门查看。",
                      ("{b}完成设备移位和减震整改",)),
                spot="网格员当场协调，{b}同意晚上八点后停机，并在机器下加垫橡胶减震垫。",
                amount=None, urban=True,
            ),
            Story(
                titles=("树木遮挡采光纠纷", "{tree}遮光邻里纠纷"),
                text=("{b}在两家交界处种植的{tree}已长到三层楼高，遮挡了{a}家南面窗户的采光，落叶还堵塞了{a}家屋顶的排水管。"
                      "{a}要求砍伐，{b}认为树种在自家地界内，且已种了二十多年。"),
                deal=("{b}于{due1}前将{tree}修剪至二层以下并清理落叶，{a}提供修剪用的工具和人工；今后每年秋季修剪一次。",
                      ("{b}修剪{tree}并清理屋顶落叶",)),
                spot="网格员请村里的电工带工具上门，当场把伸向{a}家的树枝锯掉，双方约定以后每年修剪一次。",
                amount=None,
            ),
            Story(
                titles=("邻里口角引发肢体冲突", "{a}与{b}打架纠纷", "琐事引发邻里斗殴"),
                text=("{date_recent}傍晚，{a}与{b}因{trigger}发生口角，继而相互推搡，{a}面部被抓伤，到{township}卫生院就诊，"
                      "花费医药费{amount}元。派出所出警后建议双方先行调解，双方家属仍互不相让。"),
                deal=("{b}向{a}赔礼道歉，赔偿医药费、误工费共计{amount_total}元，于{due1}前付清；双方保证今后和睦相处，不再因此事发生冲突。",
                      ("{b}支付医药费、误工费{amount_total}元",)),
                spot="网格员会同派出所民警当场调解，{b}向{a}道歉并付了医药费，双方表示不再追究。",
                amount=(200, 3000),
            ),
        ),
        decline=(
            ("被申请人明确表示拒绝调解，经两次做工作仍不同意，告知申请人可向人民法院起诉。", Channel.COURT),
            ("该纠纷已由派出所作出治安处罚决定，对处罚不服的应依法申请行政复议。", Channel.ADMINISTRATIVE_REVIEW),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院{court}"),
            (Channel.COUNSELING, "{township}社会心理服务站"),
        ),
        lead=("center", "派出所", "司法所"),
        escalate=("双方积怨已久，曾多次发生冲突，需镇综治中心会同派出所联合调处。",),
    ),
    T.HOUSING_HOMESTEAD: Profile(
        stories=(
            Story(
                titles=("宅基地界址争议", "{a}与{b}宅基地纠纷", "建房地基越界纠纷"),
                text=("{a}与{b}宅基地相邻。{b}于{date_recent}拆旧建新，{a}认为{b}新打的地基向其一侧越界约{cm}厘米，"
                      "侵占了两家之间的共用通道，要求停工并恢复原状；{b}出示{year}年颁发的集体土地使用证，称地基在证载范围之内。"),
                deal=("经村两委会同镇自然资源所现场测量，确认越界{cm_small}厘米；{b}于{due1}前将东侧墙基后退至界址线，"
                      "两家之间保留1.2米宽的通道共同使用。", ("{b}将墙基后退至界址线",)),
                spot="网格员找出两家的土地使用证，用皮尺现场复核，{b}同意把墙基往回退，两家当场在界址上打了木桩。",
                amount=None,
            ),
            Story(
                titles=("建房施工损坏邻居房屋", "打桩震裂墙体赔偿纠纷"),
                text=("{b}家翻建三层住房，施工打桩期间造成{a}家老房墙体出现多处裂缝，{a}担心房屋安全，要求停工并赔偿；"
                      "{b}称{a}家房屋建于上世纪八十年代，本身年久失修。"),
                deal=("由{b}委托有资质的机构进行房屋安全鉴定，鉴定费由{b}承担；{b}赔偿{a}房屋修缮费{amount}元，于{due1}前付清，"
                      "施工期间对{a}家山墙做加固支护。", ("{b}完成山墙加固支护", "{b}支付房屋修缮费")),
                spot="网格员到场拍照留证，{b}同意暂停打桩并给{a}家墙体做临时支撑，修缮费待完工后一并结算。",
                amount=(3000, 40000),
            ),
            Story(
                titles=("农村房屋买卖纠纷", "{a}与{b}房屋买卖合同纠纷"),
                text=("{a}于{year}年以{amount}元购买本村村民{b}的房屋一幢，居住至今。近期该房屋被列入{project}征迁范围，"
                      "{b}以农村房屋不得向本集体经济组织以外的人出售为由，主张买卖无效，要求收回房屋并领取全部补偿款。"),
                deal=("双方同意房屋征迁补偿款由{b}与{a}按四六比例分配，{a}于补偿款到账后30日内腾退房屋，村委会负责监督。",
                      ("{a}腾退房屋", "双方按比例分配补偿款")),
                spot="网格员请村干部到场讲解政策，双方同意按出资和居住情况协商分配补偿款，不再争吵。",
                amount=(80000, 300000), applicant="person", respondent="person",
            ),
            Story(
                titles=("共用过道通行纠纷", "过道砌墙堵路纠纷"),
                text=("{a}家出入必须经过{b}家门前的过道，{b}近期在过道上堆放柴草，又砌了半人高的围墙，{a}家的电瓶车和农用三轮车"
                      "无法通行，家中老人出门只能绕行田埂。"),
                deal=("{b}于{due1}前拆除过道上的围墙并清理柴草，保留过道宽度不少于1.5米；过道水泥硬化费用{amount}元由两家各承担一半。",
                      ("{b}拆除围墙、清理柴草", "两家分摊过道硬化费用")),
                spot="网格员现场劝说，{b}同意当天搬走柴草、拆掉一段围墙，给{a}家留出通道。",
                amount=(2000, 8000),
            ),
        ),
        decline=(
            ("宅基地使用权争议依法由乡镇人民政府处理，告知当事人向镇政府申请处理。", Channel.ADMINISTRATIVE_ADJUDICATION),
            ("当事人已就该房屋买卖合同提起诉讼，不予受理。", Channel.COURT),
        ),
        refer=(
            (Channel.ADMINISTRATIVE_ADJUDICATION, "{township}人民政府"),
            (Channel.COURT, "诸暨市人民法院{court}"),
        ),
        lead=("center", "司法所"),
        escalate=("涉及宅基地权属认定，需镇自然资源所现场勘测确权。",),
    ),
    T.LAND_CONTRACT: Profile(
        stories=(
            Story(
                titles=("承包地田埂边界纠纷", "{field}承包地界址纠纷"),
                text=("{a}与{b}的承包地相邻，位于{village}{field}。{b}春耕翻地时把两家之间的田埂向{a}一侧挪了约{cm}厘米，"
                      "{a}认为被占了{area_small}分地，双方在田头争吵多次。"),
                deal=("对照第二轮土地承包经营权证和确权登记图，由村干部于{due1}前现场放样，恢复原田埂位置并埋设水泥界桩，"
                      "两家不得再擅自移动。", ("村干部现场放样并埋设界桩",)),
                spot="网格员拿出确权登记图到田头比对，{b}承认田埂挪过，当场把田埂恢复原位。",
                amount=None, place="{village}{field}",
            ),
            Story(
                titles=("土地流转租金拖欠纠纷", "{farm}拖欠土地租金", "{n}户农户讨要土地流转费"),
                text=("{b}（{farm}负责人）于{year}年流转{village}{n}户农户共{area}亩承包地种植{crop}，约定每亩每年租金{rent_mu}元。"
                      "{b}已拖欠{years_due}年租金共计{amount}元，以经营亏损为由要求降低租金，{a}等农户要求收回土地。"),
                deal=("{b}于{due1}前支付拖欠租金的一半，余款于{due2}前付清；自下一年度起租金调整为每亩{rent_mu_new}元，流转合同继续履行。",
                      ("{b}支付拖欠租金的一半", "{b}付清剩余租金")),
                spot="网格员联系{b}到村委会，{b}当场转账支付了部分租金，并写下了余款的还款计划。",
                amount=(20000, 300000), group=True, place="{village}{field}",
            ),
            Story(
                titles=("外嫁女承包地权益纠纷", "{a}承包地被收回纠纷"),
                text=("{a}于{year}年嫁到外村，户口仍在本村，其名下承包地{area_small}亩被村民小组收回，另行发包给{b}耕种。"
                      "{a}要求恢复承包经营权或给予补偿，村民小组认为出嫁女的承包地历来由组里调整。"),
                deal=("{b}继续耕种该地块至本季作物收获后交还；此前占用期间由{village}{group}村民小组补偿{a}土地收益{amount}元，于{due1}前支付。",
                      ("村民小组支付土地收益补偿",)),
                spot="网格员向村民小组长讲解妇女土地权益保护的规定，组长同意按年给{a}土地补偿。",
                amount=(1500, 12000), applicant="woman", third="committee",
            ),
            Story(
                titles=("农田灌溉用水纠纷", "抢水灌溉引发纠纷"),
                text=("旱季抽水灌溉时，{b}在上游堵截沟渠，优先灌溉自家{crop}田，下游{a}等{n}户农户的水稻缺水发黄，"
                      "{a}与{b}在渠边发生争吵，险些动手。"),
                deal=("由村里统一安排轮灌，每户按承包面积分配放水时间；{b}于{due1}前拆除私设的拦水坝。",
                      ("{b}拆除拦水坝",)),
                spot="网格员叫来村水利员排出轮灌表，{b}同意拆坝放水，下游农户当天就灌上了水。",
                amount=None, place="{village}{field}",
            ),
        ),
        decline=(
            ("当事人已向诸暨市农村土地承包仲裁委员会申请仲裁，不予受理。", Channel.ARBITRATION),
            ("涉及土地承包经营权确权登记错误，属行政机关职责，告知向有关部门申请更正。", Channel.ADMINISTRATIVE_REVIEW),
        ),
        refer=(
            (Channel.ARBITRATION, "诸暨市农村土地承包仲裁委员会"),
            (Channel.COURT, "诸暨市人民法院{court}"),
        ),
        lead=("center", "司法所"),
        escalate=("涉及多户农户利益，需镇农业农村办会同调处。",),
    ),
    T.FOREST_LAND: Profile(
        stories=(
            Story(
                titles=("{hill}山林界址纠纷", "山林权属争议", "{a}与{b}山林纠纷"),
                text=("{a}与{b}因{village}{hill}一片山林的界址发生争议，争议面积约{area}亩。{a}持有{year}年颁发的林权证，"
                      "{b}称该片山林是其祖上所种，并于近期砍伐了其中约{trees}株杉木出售。"),
                deal=("依据林权证记载的四至和现场踏勘结果，争议地块以山脊分水线为界；{b}赔偿{a}林木损失{amount}元，于{due1}前付清。",
                      ("{b}支付林木损失赔偿",)),
                spot="网格员约双方和老护林员一起上山踏勘，确认以山脊为界，{b}同意不再砍伐界内林木。",
                amount=(3000, 50000), place="{village}{hill}",
            ),
            Story(
                titles=("香榧树采摘权纠纷", "{hill}香榧古树权属纠纷"),
                text=("{village}{hill}有香榧古树{trees}株，{a}称这些树在其家族承包的山林内；{b}则称其父在世时已与{a}的父亲口头约定，"
                      "由{b}家管护采摘。今年香榧成熟时节，双方因采摘发生争执，已采下的香榧约{kg}公斤。"),
                deal=("香榧树归{a}所有，{b}家多年的管护投入由{a}一次性补偿{amount}元，于{due1}前付清；今年已采摘的香榧双方各得一半。",
                      ("{a}支付管护补偿款",)),
                spot="网格员请村里老人回忆当年约定，双方同意今年香榧对半分，明年起由{a}家管护采摘。",
                amount=(5000, 60000), place="{village}{hill}",
            ),
            Story(
                titles=("山林内建坟纠纷", "祖坟占用山林纠纷"),
                text=("{b}在{hill}山坡上为其父修建坟墓，{a}认为坟墓位于其承包的山林内，修坟时还砍伐了毛竹{trees}余株，要求迁坟并赔偿。"),
                deal=("坟墓不再迁移，{b}补偿{a}毛竹损失及林地占用费{amount}元，于{due1}前付清；今后不得扩建坟墓或另砍竹木。",
                      ("{b}支付毛竹损失及林地占用费",)),
                spot="网格员考虑到当地风俗，劝说双方各退一步，{b}当场赔付了毛竹损失。",
                amount=(1000, 10000), place="{village}{hill}",
            ),
            Story(
                titles=("林木采伐收益分配纠纷", "集体山林采伐款分配纠纷"),
                text=("{village}{group}集体山林{area}亩的杉木经批准采伐，销售收入{amount}元。{a}等{n}户村民认为分配方案未经村民小组会议讨论，"
                      "部分迁出户也参与了分配，要求重新分配。"),
                deal=("由村民小组于{due1}前召开户代表会议重新表决分配方案，迁出户不参与本次分配，结果张榜公示七天。",
                      ("村民小组召开户代表会议表决分配方案",)),
                spot="网格员把分配明细张贴在村务公开栏，并答应召开户代表会议，村民情绪平复。",
                amount=(30000, 200000), group=True, respondent="committee", place="{village}{hill}",
            ),
        ),
        decline=(
            ("山林权属争议依法由人民政府处理，告知当事人向{township}人民政府申请确权。", Channel.ADMINISTRATIVE_ADJUDICATION),
        ),
        refer=(
            (Channel.ADMINISTRATIVE_ADJUDICATION, "诸暨市人民政府林权争议调处办公室"),
            (Channel.ADMINISTRATIVE_ADJUDICATION, "{township}人民政府"),
        ),
        lead=("center", "司法所"),
        escalate=("林权证四至记载不清，需镇林业站调取档案、现场勘界。",),
    ),
    T.CONTRACT: Profile(
        stories=(
            Story(
                titles=("房屋装修合同纠纷", "{a}与装修队工程款纠纷"),
                text=("{a}将新房装修发包给个体装修队负责人{b}，合同价{amount}元，已付七成。{b}施工中途停工{days}天，"
                      "已完工部分存在瓷砖空鼓、墙面开裂等问题，{a}要求返工并按约支付违约金；{b}称因{a}追加项目未付增项款才停工。"),
                deal=("{b}于{due1}前完成瓷砖空鼓返工和剩余工程，{a}在验收合格后七日内支付剩余工程款{amount_part}元，双方互不主张违约金。",
                      ("{b}完成返工和剩余工程", "{a}支付剩余工程款")),
                spot="网格员到现场查看，双方同意先由{b}返工空鼓的瓷砖，增项款按实际工程量结算。",
                amount=(40000, 260000), urban=True,
            ),
            Story(
                titles=("民间借贷纠纷", "{a}与{b}借款纠纷", "借款到期未还纠纷"),
                text=("{b}于{year}年向{a}借款{amount}元用于{purpose}，出具借条约定一年内归还，月息一分。借款到期后{b}只支付了{months}个月利息，"
                      "本金至今未还，{a}多次催讨，{b}避而不见。"),
                deal=("{b}分期归还借款本金{amount}元：{due1}前归还{amount_part}元，余款于{due2}前还清；利息按年利率百分之六计算，随最后一期付清。",
                      ("{b}归还第一期借款", "{b}还清余款及利息")),
                spot="网格员联系上{b}，双方当面核对借条，{b}写下分期还款承诺书。",
                amount=(10000, 300000),
            ),
            Story(
                titles=("货款拖欠纠纷", "{company}拖欠货款", "买卖合同货款纠纷"),
                text=("{a}是{village}的个体经营户，{year}年起向{company}供应{goods}，截至目前{company}尚欠货款{amount}元。"
                      "{a}多次上门催讨，对方以下游客户未回款为由一再拖延。"),
                deal=("{company}于{due1}前支付货款{amount_part}元，余款于{due2}前付清，逾期未付按日万分之五支付违约金。",
                      ("{company}支付首期货款", "{company}付清余款")),
                spot="网格员陪同{a}到{company}对账，财务当场确认欠款金额并支付了一部分。",
                amount=(20000, 500000), respondent="company",
            ),
            Story(
                titles=("来料加工费纠纷", "{product}加工款结算纠纷"),
                text=("{a}在家中开设小作坊，为{company}加工{product}，双方口头约定加工单价。{company}以部分产品不合格为由扣减加工费{amount}元，"
                      "{a}认为不合格率远低于对方所称，双方各执一词。"),
                deal=("双方共同抽检库存产品，按抽检合格率结算；{company}于{due1}前支付加工费{amount_part}元，今后加工须签订书面合同。",
                      ("{company}支付加工费",)),
                spot="网格员请双方带着送货单和退货单当面核对，{company}同意按实际退货数量结算。",
                amount=(5000, 80000), respondent="company",
            ),
        ),
        decline=(
            ("合同约定争议提交仲裁，告知当事人向绍兴仲裁委员会申请仲裁。", Channel.ARBITRATION),
            ("该借贷纠纷已由人民法院作出生效判决，依法不予受理，可申请强制执行。", Channel.COURT),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院{court}诉前调解"),
            (Channel.ARBITRATION, "绍兴仲裁委员会"),
            (Channel.LEGAL_AID, "诸暨市法律援助中心"),
        ),
        lead=("center", "人民法庭", "司法所"),
        escalate=("标的额较大，涉及多份合同和转账记录，需人民法庭法官参与调解。",),
    ),
    T.DAMAGES: Profile(
        stories=(
            Story(
                titles=("犬只伤人赔偿纠纷", "被狗咬伤赔偿纠纷", "{b}家狗咬人纠纷"),
                text=("{date_recent}上午，{a}路过{b}家门口时，被{b}饲养的一条未拴绳的{dog}咬伤小腿，到{township}卫生院清创并注射狂犬疫苗，"
                      "花费医药费{amount}元。{a}要求赔偿医药费、误工费和营养费，{b}只同意承担疫苗费用。"),
                deal=("{b}赔偿{a}医药费、误工费、营养费共计{amount_total}元，于{due1}前付清；{b}保证今后拴养犬只并办理犬证。",
                      ("{b}支付赔偿款{amount_total}元",)),
                spot="网格员上门讲明饲养人的责任，{b}当场赔付了医药费和误工费，并把狗拴了起来。",
                amount=(300, 3000),
            ),
            Story(
                titles=("家禽毁坏农作物纠纷", "鸡鸭啄食菜地引发纠纷"),
                text=("{b}家散养的鸡鸭多次进入{a}家菜地，啄食{veg}幼苗约{area_small}分地。{a}在菜地撒药后，{b}家死了十余只鸡鸭，"
                      "双方互相指责，都要求对方赔偿。"),
                deal=("双方各自承担自己的损失；{b}于{due1}前将鸡鸭圈养，{a}不再在菜地撒药驱赶家禽。",
                      ("{b}搭建鸡鸭圈舍",)),
                spot="网格员劝双方各让一步，{b}答应当天把鸡鸭关进圈里，{a}也不再撒药，损失各自承担。",
                amount=(200, 1500),
            ),
            Story(
                titles=("高空坠物砸车赔偿纠纷", "阳台花盆坠落砸损车辆"),
                text=("{date_recent}刮大风，{community}{bldg}幢{b}家阳台上的花盆坠落，砸中停在楼下的{a}的{car}，前挡风玻璃碎裂、"
                      "引擎盖凹陷，4S店定损{amount}元。{b}认为是大风所致，属于意外，不愿全额赔偿。"),
                deal=("{b}赔偿{a}车辆维修费{amount_part}元，于{due1}前付清；{b}清理阳台外侧摆放的花盆。",
                      ("{b}支付车辆维修费",)),
                spot="网格员调取楼道监控，{b}承认花盆是自家的，同意承担维修费用。",
                amount=(1500, 12000), urban=True,
            ),
            Story(
                titles=("帮工受伤赔偿纠纷", "{a}帮工坠落受伤纠纷"),
                text=("{a}应同村{b}邀请，帮其拆除旧房屋顶，不慎从约{m}米高处跌落，造成{injury}，住院{days}天，花费医疗费{amount}元。"
                      "{a}要求{b}赔偿医疗费、误工费、护理费等；{b}认为{a}是自愿帮忙，且自己没有注意安全。"),
                deal=("{b}一次性补偿{a}医疗费、误工费、护理费等各项损失{amount_total}元，分两期支付：{due1}前付一半，余款于{due2}前付清。",
                      ("{b}支付第一期补偿款", "{b}付清余款")),
                spot="网格员向{b}讲明被帮工人的责任，{b}同意先垫付住院费用，其余待出院后再商量。",
                amount=(8000, 90000),
            ),
        ),
        decline=(
            ("损害后果涉嫌故意伤害，已移交公安机关处理，不予受理。", Channel.COURT),
            ("伤情尚未鉴定，待伤残等级鉴定后可申请人民法院诉前调解。", Channel.COURT),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院{court}诉前调解"),
            (Channel.LEGAL_AID, "诸暨市法律援助中心"),
        ),
        lead=("center", "派出所", "人民法庭"),
        escalate=("赔偿数额分歧较大，需等待伤情鉴定后由镇里组织调解。",),
    ),
    T.LABOR: Profile(
        stories=(
            Story(
                titles=("{n}名工人讨薪纠纷", "{company}拖欠工资纠纷", "外来务工人员欠薪纠纷"),
                text=("{a}等{n}名外来务工人员在{company}从事{job}工作，公司自{months}个月前开始拖欠工资，共计约{amount}元。"
                      "老板{b}称资金链紧张，工人多次到厂里讨要未果，扬言要到镇政府集体上访。"),
                deal=("{company}于{due1}前支付工人工资的六成，余款于{due2}前付清，由{township}劳动保障所监督发放到工人银行卡。",
                      ("{company}支付六成工资", "{company}付清剩余工资")),
                spot="网格员联系劳动保障所后找到老板{b}，{b}当场承诺本周内先发一个月工资，工人同意回去等候。",
                amount=(30000, 600000), applicant="worker", respondent="boss", group=True,
            ),
            Story(
                titles=("工伤待遇纠纷", "{a}工伤赔偿纠纷"),
                text=("{a}在{company}操作{machine}时右手{finger}被压伤，经鉴定为十级伤残。公司未为{a}缴纳工伤保险，"
                      "{a}要求支付一次性伤残补助金、停工留薪期工资等共计{amount}元，公司只愿意支付医药费。"),
                deal=("{company}一次性支付{a}工伤待遇{amount_part}元，双方解除劳动关系，于{due1}前付清。",
                      ("{company}支付工伤待遇",)),
                spot="网格员陪同{a}到公司协商，公司同意先支付住院期间的工资和医药费。",
                amount=(40000, 180000), applicant="worker", respondent="company",
            ),
            Story(
                titles=("解除劳动合同经济补偿纠纷", "{a}被辞退补偿纠纷"),
                text=("{a}在{company}工作{years}年，{date_recent}被公司以生产淡季为由口头辞退，公司未支付经济补偿。"
                      "{a}要求支付经济补偿金{amount}元及未休年休假工资。"),
                deal=("{company}支付{a}经济补偿{amount_part}元，并出具解除劳动关系证明，于{due1}前办结。",
                      ("{company}支付经济补偿并出具离职证明",)),
                spot="网格员向公司人事讲明解除劳动合同的规定，公司同意补发一个月工资作为补偿。",
                amount=(10000, 90000), applicant="person", respondent="company",
            ),
            Story(
                titles=("建筑工地欠薪纠纷", "包工头拖欠农民工工资"),
                text=("{a}等{n}人跟随包工头{b}在{project}工地做{job}，工程已完工{months}个月，{b}以总包方未结算为由拖欠工资{amount}元。"),
                deal=("总包单位{company}从应付{b}的工程款中代扣工资{amount}元，于{due1}前直接发放至工人银行卡。",
                      ("总包单位代发工人工资",)),
                spot="网格员联系总包单位项目部，对方答应先从工程款中预支一部分工资给工人。",
                amount=(40000, 400000), applicant="worker", respondent="person", third="company", group=True,
            ),
        ),
        decline=(
            ("属劳动争议，当事人坚持要求确认劳动关系，告知向诸暨市劳动人事争议仲裁委员会申请仲裁。", Channel.ARBITRATION),
            ("用人单位注册地和用工地均不在本镇，告知向用工地劳动保障监察部门投诉。", Channel.ADMINISTRATIVE_REVIEW),
        ),
        refer=(
            (Channel.ARBITRATION, "诸暨市劳动人事争议仲裁委员会"),
            (Channel.LEGAL_AID, "诸暨市法律援助中心"),
        ),
        lead=("劳动保障所", "professional", "center"),
        escalate=("涉及人数较多，有集体上访苗头，需镇劳动保障所介入。",),
    ),
    T.PROPERTY_MANAGEMENT: Profile(
        stories=(
            Story(
                titles=("物业费拖欠纠纷", "{community}业主欠缴物业费"),
                text=("{property_co}反映，{community}业主{b}已连续{years_due}年未交物业费，共计{amount}元。{b}称小区{issue}问题长期得不到解决，"
                      "物业服务不到位，拒绝缴费。"),
                deal=("{property_co}于{due1}前完成{issue_fix}，{b}在整改验收后补交物业费{amount_part}元（减免一成）。",
                      ("{property_co}完成整改", "{b}补交物业费")),
                spot="网格员约物业经理和{b}当面沟通，物业答应本周内处理{issue}问题，{b}同意整改后缴费。",
                amount=(1500, 9000), applicant="property", respondent="person", urban=True,
            ),
            Story(
                titles=("小区停车纠纷", "消防通道停车纠纷"),
                text=("{community}车位紧张，业主{b}长期把车停在消防通道上，{a}等业主多次投诉；物业保安劝离时{b}与保安发生争执，"
                      "双方都报了警。"),
                deal=("{b}于{due1}前租用小区地下车位，不再占用消防通道；{property_co}在通道两侧施划禁停标线并加强巡查。",
                      ("{b}租用固定车位",)),
                spot="网格员会同物业现场劝导，{b}当场把车挪走，物业答应帮其协调一个临时车位。",
                amount=None, respondent="person", third="property", urban=True,
            ),
            Story(
                titles=("电梯维修费用分摊纠纷", "{community}电梯更换费用纠纷"),
                text=("{community}{bldg}幢电梯频繁故障，需要更换主机，预算{amount}元，拟使用专项维修资金。一楼、二楼业主{b}等人不同意分摊，"
                      "维修方案迟迟无法表决通过，{a}等高层业主出行困难，家中老人已多日无法下楼。"),
                deal=("经协商，低层业主按面积的一半分摊费用，其余由高层业主承担；{property_co}于{due1}前完成电梯主机更换。",
                      ("{property_co}完成电梯主机更换",)),
                spot="网格员召集楼道业主开会，讲明维修资金的使用规则，低层业主同意按较低比例分摊。",
                amount=(60000, 200000), respondent="person", third="property", urban=True, group=True,
            ),
            Story(
                titles=("外墙渗水维修纠纷", "{a}家外墙渗水物业不修"),
                text=("{a}家外墙渗水，卧室墙纸发霉，多次向{property_co}报修，物业称外墙维修需要动用维修资金、须经业主表决，"
                      "拖了{months}个月仍未维修。"),
                deal=("{property_co}先行垫付维修费用，于{due1}前完成外墙防水维修，费用日后从维修资金中列支；{a}自行承担室内墙纸更换。",
                      ("{property_co}完成外墙防水维修",)),
                spot="网格员联系物业经理上门查看，物业同意先做局部防水处理。",
                amount=(3000, 20000), respondent="property", urban=True,
            ),
        ),
        decline=(
            ("物业服务合同约定争议提交仲裁，告知当事人向绍兴仲裁委员会申请仲裁。", Channel.ARBITRATION),
            ("物业公司已起诉要求支付物业费，法院已立案，不予受理。", Channel.COURT),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院{court}诉前调解"),
            (Channel.ADMINISTRATIVE_ADJUDICATION, "诸暨市住房和城乡建设局物业管理科"),
        ),
        lead=("center", "司法所"),
        escalate=("涉及整幢楼业主，需镇里会同住建部门召集业主代表协商。",),
    ),
    T.MEDICAL: Profile(
        stories=(
            Story(
                titles=("医疗费用纠纷", "住院收费争议", "{a}与{hospital}收费纠纷"),
                text=("{a}的父亲{c}因{disease}在{hospital}住院治疗{days}天，出院后{a}认为部分检查项目重复收费，"
                      "部分自费药品未经家属签字同意，涉及金额{amount}元，要求退还。"),
                deal=("{hospital}退还重复收取的检查费用{amount_part}元，于{due1}前转入{a}账户，并对收费告知流程进行整改。",
                      ("{hospital}退还重复收费",)),
                spot="网格员陪同{a}到医院医务科核对费用清单，医院当场承认一项检查重复收费并退还。",
                amount=(800, 15000), respondent="hospital", third="elder",
            ),
            Story(
                titles=("手术并发症医疗纠纷", "{a}术后感染医疗纠纷"),
                text=("{a}于{date_recent}在{hospital}做{surgery}手术，术后出现{complication}，再次住院治疗。{a}认为医院存在过错，"
                      "要求赔偿医疗费、误工费等共计{amount}元；医院认为属于手术并发症，术前已履行告知义务。家属曾在医院走廊拉横幅。"),
                deal=("经医疗纠纷人民调解委员会组织专家咨询，{hospital}承担次要责任，一次性补偿{a}各项损失{amount_part}元，于{due1}前付清。",
                      ("{hospital}支付补偿款",)),
                spot="网格员劝说家属撤下横幅，陪同其到医院医患办登记，医院同意组织专家答疑。",
                amount=(20000, 300000), respondent="hospital",
            ),
            Story(
                titles=("村卫生室输液不良反应纠纷", "{village}卫生室医疗纠纷"),
                text=("{a}在{village}卫生室输液时出现寒战、皮疹等不良反应，被转到{hospital}治疗，花费{amount}元。"
                      "{a}的家属到卫生室讨说法，情绪激动，要求卫生室承担全部费用并道歉。"),
                deal=("卫生室负责人{b}承担{a}的转院治疗费用{amount}元，于{due1}前付清，并向{a}家属道歉。",
                      ("卫生室支付治疗费用",)),
                spot="网格员到卫生室安抚家属，卫生室负责人{b}当场道歉并承担治疗费用。",
                amount=(500, 8000), respondent="person",
            ),
            Story(
                titles=("种植牙质量纠纷", "{clinic}种植牙纠纷"),
                text=("{a}在{clinic}种植牙{n_teeth}颗，费用{amount}元，半年后种植体松动脱落，诊所同意免费重做，但{a}已对诊所失去信任，"
                      "要求退款并赔偿。"),
                deal=("{clinic}退还{a}种植费用{amount_part}元，于{due1}前付清，双方就此事再无其他纠纷。",
                      ("{clinic}退还种植费用",)),
                spot="网格员陪同{a}与诊所负责人面谈，诊所同意退还部分费用。",
                amount=(6000, 40000), respondent="clinic",
            ),
        ),
        decline=(
            ("患方已申请医疗损害鉴定并向人民法院起诉，不予受理。", Channel.COURT),
            ("医疗纠纷应由专业调解组织处理，告知当事人向诸暨市医疗纠纷人民调解委员会申请调解。", "诸暨市医疗纠纷人民调解委员会"),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院医疗纠纷诉前调解"),
            (Channel.ADMINISTRATIVE_ADJUDICATION, "诸暨市卫生健康局医政科"),
        ),
        lead=("professional", "professional", "center"),
        escalate=("医疗纠纷专业性强，家属情绪激动，需医疗纠纷人民调解委员会介入。",),
    ),
    T.TRAFFIC: Profile(
        stories=(
            Story(
                titles=("电动车与轿车碰撞事故赔偿纠纷", "{road}交通事故赔偿纠纷"),
                text=("{date_recent}，{b}驾驶{car}在{road}与{a}驾驶的电动自行车发生碰撞，{a}{injury}，住院{days}天。交警认定{b}负主要责任、"
                      "{a}负次要责任。双方对误工费、护理费的计算标准和后续治疗费存在争议，涉及金额约{amount}元。"),
                deal=("{insurer}在交强险和商业三者险限额内赔付{a}各项损失{amount_part}元；{b}另行补偿{a}{x}元，于{due1}前付清。",
                      ("{b}支付补偿款{x}元", "保险公司赔付到账")),
                spot="网格员协助双方整理医疗票据，{b}同意先垫付部分医疗费，其余等保险理赔。",
                amount=(8000, 150000), third="insurer", place="{road}",
            ),
            Story(
                titles=("倒车刮擦赔偿纠纷", "停车刮擦纠纷"),
                text=("{b}在{village}村道倒车时刮擦了{a}停在路边的{car}，左后门凹陷、漆面受损，双方对维修费用{amount}元有分歧，"
                      "{b}认为{a}的车停放位置不当。"),
                deal=("{b}承担维修费用的七成计{amount_part}元，于{due1}前付清。", ("{b}支付维修费",)),
                spot="网格员调看村道监控，双方同意按七三比例分担维修费，{b}当场转账。",
                amount=(600, 6000), place="{village}村道",
            ),
            Story(
                titles=("快递三轮车撞伤老人纠纷", "{a}被撞伤赔偿纠纷"),
                text=("{date_recent}，{company}的快递员{b}驾驶电动三轮车在{village}村口将{age_old}岁老人{a}撞倒，致{a}{injury}。"
                      "{company}称{b}是外包人员，不愿承担责任，{b}本人无力赔偿，{a}的子女多次到快递网点讨说法。"),
                deal=("{company}与{b}共同赔偿{a}医疗费、护理费等{amount_part}元，其中{company}承担六成，于{due1}前付清。",
                      ("{company}与{b}支付赔偿款",)),
                spot="网格员联系快递网点负责人到场，对方同意先垫付医疗费。",
                amount=(10000, 120000), applicant="elder", third="company", place="{village}村口",
            ),
            Story(
                titles=("农用三轮车侧翻乘车人受伤纠纷", "搭乘三轮车受伤赔偿纠纷"),
                text=("{a}搭乘同村{b}驾驶的农用三轮车去{township}集市，途中车辆在弯道侧翻，{a}{injury}，花费医疗费{amount}元。"
                      "{b}的三轮车未上牌照、未投保，{b}认为是免费搭乘，只愿意承担一部分。"),
                deal=("{b}赔偿{a}各项损失{amount_part}元，分两期支付，{due1}前付一半，余款于{due2}前付清。",
                      ("{b}支付第一期赔偿款", "{b}付清余款")),
                spot="网格员上门讲明好意同乘的责任划分，双方同意按六四比例分担损失。",
                amount=(5000, 60000),
            ),
        ),
        decline=(
            ("交通事故责任认定尚未作出，待交警部门出具认定书后再申请调解。", "公安交警部门事故处理"),
            ("当事人已向人民法院提起诉讼，不予受理。", Channel.COURT),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院道路交通事故诉前调解"),
            (Channel.LEGAL_AID, "诸暨市法律援助中心"),
        ),
        lead=("professional", "派出所", "center"),
        escalate=("涉及伤残等级鉴定和保险理赔，需道路交通事故人民调解委员会介入。",),
    ),
    T.CONSUMER: Profile(
        stories=(
            Story(
                titles=("家电质量纠纷", "{appliance}质量问题退货纠纷", "{shop}退货纠纷"),
                text=("{a}在{shop}购买{appliance}一台，价格{amount}元，使用{months}个月后出现{fault}，多次维修未好，"
                      "要求退货，商家只同意再次维修。"),
                deal=("{shop}为{a}更换同型号新机，于{due1}前送货安装，{a}不再要求退货。", ("{shop}更换新机",)),
                spot="网格员陪同{a}到店协商，店主同意联系厂家更换新机。",
                amount=(1500, 9000), respondent="shop",
            ),
            Story(
                titles=("预付卡退费纠纷", "{gym}闭店预付卡纠纷"),
                text=("{a}在{township}{gym}办理预付卡，充值{amount}元，尚余{x}元未消费，店铺突然闭店转让，新店主不认可原会员卡。"
                      "同样情况的会员约有{n}人。"),
                deal=("原店主{b}于{due1}前按余额的八成退还会员预付款，新店主为愿意继续消费的会员按原卡余额办理新卡。",
                      ("原店主退还预付款",)),
                spot="网格员找到原店主，协调新店主暂时认可原会员卡余额。",
                amount=(1000, 8000), respondent="person", group=True,
            ),
            Story(
                titles=("农资种子质量纠纷", "{seed}种子出苗率低纠纷"),
                text=("{a}从{shop}购买{seed}种子种植{area}亩，出苗率不足四成，{a}认为种子存在质量问题，要求赔偿损失约{amount}元；"
                      "店主认为是播种时遇连续阴雨所致。"),
                deal=("经镇农技站现场查看，{shop}退还种子款并补偿{a}损失{amount_part}元，于{due1}前付清。",
                      ("{shop}退还种子款并支付补偿",)),
                spot="网格员请镇农技员到田头查看，店主同意先免费提供补种的种子。",
                amount=(2000, 30000), respondent="shop", place="{village}{field}",
            ),
            Story(
                titles=("喜宴酒席退订纠纷", "{restaurant}酒席定金纠纷"),
                text=("{a}在{restaurant}预订婚宴{tables}桌，交付定金{amount}元，后因故取消，酒店以已备料为由拒绝退还定金。"),
                deal=("{restaurant}扣除已备料损失后退还定金{amount_part}元，于{due1}前付清。", ("{restaurant}退还部分定金",)),
                spot="网格员与酒店经理沟通，酒店同意退还大部分定金。",
                amount=(2000, 20000), respondent="restaurant",
            ),
        ),
        decline=(
            ("消费者已向诸暨市市场监督管理局投诉，正在处理中，不予受理。", Channel.ADMINISTRATIVE_ADJUDICATION),
        ),
        refer=(
            (Channel.ADMINISTRATIVE_ADJUDICATION, "诸暨市市场监督管理局{township}市场监管所"),
            (Channel.COURT, "诸暨市人民法院{court}诉前调解"),
        ),
        lead=("center", "司法所"),
        escalate=("涉及会员人数多，需市场监管所介入调查。",),
    ),
    T.LAND_ACQUISITION: Profile(
        stories=(
            Story(
                titles=("征迁补偿款分配纠纷", "{a}兄弟征迁款分配纠纷"),
                text=("{a}家老宅被列入{project}征迁范围，补偿款共{amount}元。{a}与兄弟{b}对补偿款分配产生分歧：{b}主张按户籍人口平分，"
                      "{a}认为房屋是自己出资翻建的，应当多分。"),
                deal=("补偿款中房屋部分按出资比例分配，{a}得六成、{b}得四成，其余部分平均分配；安置房由两家抽签选定，于{due1}前完成签约。",
                      ("双方签订补偿款分配协议",)),
                spot="网格员请征迁工作组讲解补偿构成，兄弟俩同意按出资比例分配房屋补偿部分。",
                amount=(300000, 1500000), applicant="man", respondent="kin",
            ),
            Story(
                titles=("征地青苗补偿纠纷", "{project}青苗补偿争议"),
                text=("{project}建设征用{village}{group}土地{area}亩，{a}认为其承包地上的{crop}青苗补偿标准过低，面积测量也有误，"
                      "要求重新丈量，并阻止施工队进场。"),
                deal=("由镇征迁办会同村委会于{due1}前重新丈量，按实测面积补发青苗补偿款，{a}不再阻止施工。",
                      ("镇征迁办重新丈量并补发差额",)),
                spot="网格员联系征迁工作组带着测量图到现场，答应重新丈量，{a}同意施工队先进场。",
                amount=(5000, 60000), respondent="government", place="{village}{field}",
            ),
            Story(
                titles=("征迁过渡费发放纠纷", "安置房延期交付纠纷"),
                text=("{a}等{n}户被征迁户反映，{project}安置房交付已延期{months}个月，过渡费却已停发，要求按协议继续发放并明确交房时间，"
                      "部分群众准备到市里上访。"),
                deal=("镇政府于{due1}前补发停发期间的过渡费，并书面承诺安置房交付时间，逾期按协议标准继续发放过渡费。",
                      ("镇政府补发过渡费",)),
                spot="网格员把群众诉求当场反映给镇征迁办，征迁办答应一周内给出书面答复。",
                amount=(50000, 800000), respondent="government", group=True,
            ),
            Story(
                titles=("违章建筑拆除补偿纠纷", "{structure}拆除补偿争议"),
                text=("{a}在自家宅基地上搭建的{structure}被认定为违章建筑，需无偿拆除。{a}认为搭建时经过村干部同意，"
                      "要求给予补偿，否则不拆。"),
                deal=("{a}于{due1}前自行拆除{structure}，村委会按自拆奖励标准给予{a}奖励{amount_part}元。",
                      ("{a}自行拆除违章建筑",)),
                spot="网格员讲解自拆奖励政策，{a}同意自行拆除。",
                amount=(3000, 50000), respondent="committee",
            ),
        ),
        decline=(
            ("对征收补偿决定不服，依法应申请行政复议或提起行政诉讼，不予受理。", Channel.ADMINISTRATIVE_REVIEW),
            ("当事人已就该事项向信访部门提出信访事项，正在办理中。", Channel.PETITION),
        ),
        refer=(
            (Channel.ADMINISTRATIVE_REVIEW, "诸暨市人民政府行政复议局"),
            (Channel.PETITION, "诸暨市信访局"),
            (Channel.LEGAL_AID, "诸暨市法律援助中心"),
        ),
        lead=("center", "信访办", "司法所"),
        escalate=("涉及征迁政策解释和补偿标准，需镇征迁办、司法所共同参与。",),
    ),
    T.ENVIRONMENT: Profile(
        stories=(
            Story(
                titles=("养殖场臭味污染纠纷", "生猪养殖污染纠纷", "{b}养殖场污染投诉"),
                text=("{b}在{village}{field}经营生猪养殖场，存栏约{pigs}头，夏季臭味扩散到周边居民区，粪污经沟渠排入{river}，"
                      "{a}等{n}户村民要求关停或整改。"),
                deal=("{b}于{due1}前建成干湿分离和沼液收集设施，粪污不得外排，存栏量减至{pigs_less}头；镇环保站每月抽查一次。",
                      ("{b}建成粪污处理设施", "{b}将存栏量减至约定数量")),
                spot="网格员会同镇环保员现场检查，{b}当场封堵了排污口，答应尽快建设处理设施。",
                amount=None, group=True, place="{village}{field}",
            ),
            Story(
                titles=("作坊粉尘噪声污染纠纷", "{product}抛光作坊扰民纠纷"),
                text=("{company}在{village}租用民房从事{product}抛光加工，粉尘和噪声影响周边居民，{a}家晾晒的衣物落满粉尘，"
                      "{a}多次投诉未果。"),
                deal=("{company}于{due1}前安装除尘设备并将作业时间限定在白天，{due2}前迁入镇小微企业园。",
                      ("{company}安装除尘设备", "{company}迁入小微企业园")),
                spot="网格员上门督促，作坊当天关闭门窗作业并停止夜间生产。",
                amount=None, respondent="company",
            ),
            Story(
                titles=("焚烧垃圾污染纠纷", "田头焚烧秸秆浓烟扰民"),
                text=("{b}在自家田头焚烧废旧塑料和秸秆，浓烟飘进{a}家，{a}家中有哮喘病人，多次劝阻无效，双方发生争吵。"),
                deal=("{b}保证不再露天焚烧，废旧塑料交村保洁员统一清运，秸秆送村里的秸秆收储点；双方互不追究。",
                      ("{b}清运田头堆放的废旧塑料",)),
                spot="网格员到场扑灭火堆，向{b}讲解禁止露天焚烧的规定，{b}答应以后交保洁员清运。",
                amount=None,
            ),
            Story(
                titles=("餐馆油烟扰民纠纷", "{restaurant}油烟噪声纠纷"),
                text=("{b}在{community}临街商铺经营{restaurant}，油烟管道直排到{a}家窗下，油烟和空调外机噪声严重影响生活。"),
                deal=("{restaurant}于{due1}前加装油烟净化器，排烟管道改至楼顶高空排放，空调外机移位并加装隔音罩。",
                      ("{restaurant}完成油烟管道改造",)),
                spot="网格员协调店主调整排烟口方向，店主答应尽快加装净化器。",
                amount=None, respondent="person", urban=True,
            ),
        ),
        decline=(
            ("环境污染涉及行政执法，已转绍兴市生态环境局诸暨分局依法处理，不予受理。", Channel.ADMINISTRATIVE_ADJUDICATION),
        ),
        refer=(
            (Channel.ADMINISTRATIVE_ADJUDICATION, "绍兴市生态环境局诸暨分局"),
            (Channel.COURT, "诸暨市人民法院{court}"),
        ),
        lead=("center", "司法所"),
        escalate=("涉及环保执法，需镇环保站和生态环境部门联合处置。",),
    ),
    T.VILLAGE_AFFAIRS: Profile(
        stories=(
            Story(
                titles=("村集体收益分配纠纷", "{a}等村民分红纠纷"),
                text=("{village}将集体厂房出租，年租金{amount}元，按股份给村民分红。{a}等{n}名村民反映，其户口迁回本村后未被列入分配名单，"
                      "要求享受同等待遇。"),
                deal=("经村民代表会议表决，{a}等户口迁回且实际居住的村民自本年度起享受分红，于{due1}前补发本年度分红。",
                      ("村委会补发本年度分红",)),
                spot="网格员把村民诉求提交村两委，村里答应召开村民代表会议讨论。",
                amount=(200000, 2000000), respondent="committee", group=True,
            ),
            Story(
                titles=("村务公开纠纷", "{project}资金公开争议"),
                text=("{a}等村民反映，{village}{project}工程的招投标和资金使用情况未按规定公开，要求查看账目，村干部以账目在镇里代管为由未予答复。"),
                deal=("{village}于{due1}前在村务公开栏公布{project}工程的招投标结果和资金收支明细，并组织村务监督委员会逐项核对。",
                      ("村委会公开工程资金明细",)),
                spot="网格员陪同村民到村务监督委员会登记诉求，村里承诺下周公开账目。",
                amount=(200000, 3000000), respondent="committee", group=True,
            ),
            Story(
                titles=("低保评议纠纷", "{a}低保资格争议"),
                text=("{a}认为自家符合低保条件，但村里民主评议未通过，怀疑评议过程不公，多次到村委会吵闹。"),
                deal=("由镇民政办于{due1}前对{a}家庭经济状况重新核查，核查结果在村里公示；村干部向{a}解释评议程序。",
                      ("镇民政办重新核查家庭经济状况",)),
                spot="网格员上门讲解低保政策和评议程序，{a}同意等待重新核查结果。",
                amount=None, respondent="committee",
            ),
            Story(
                titles=("村道拓宽占地纠纷", "村道工程占用自留地纠纷"),
                text=("{village}实施村道拓宽工程，需要占用{a}家自留地约{area_small}分及一段围墙，{a}对补偿标准不满，多次阻止施工。"),
                deal=("村委会按村民代表会议通过的标准补偿{a}{amount}元，并负责重建围墙，于{due1}前完成；{a}不再阻挠施工。",
                      ("村委会支付补偿款并重建围墙",)),
                spot="网格员召集村干部和{a}在工地协商，村里同意负责重建围墙，{a}让施工队继续施工。",
                amount=(3000, 30000), respondent="committee", place="{village}村道",
            ),
        ),
        decline=(
            ("村民对村民委员会选举结果有异议，依法应向镇人民政府反映，不属于人民调解范围。", "{township}人民政府"),
            ("当事人已就该事项提出信访，正在办理中，不予受理。", Channel.PETITION),
        ),
        refer=(
            (Channel.PETITION, "诸暨市信访局"),
            (Channel.ADMINISTRATIVE_REVIEW, "{township}人民政府"),
        ),
        lead=("center", "信访办"),
        escalate=("涉及村两委决策，村调委会不便调处，需镇里介入。",),
    ),
    T.OTHER: Profile(
        stories=(
            Story(
                titles=("合伙经营散伙纠纷", "{a}与{b}合伙纠纷"),
                text=("{a}与{b}合伙经营{shop_kind}，因经营理念不合决定散伙，对店内设备、存货和{amount}元应收账款的分割发生争议。"),
                deal=("店内设备和存货归{b}，{b}补偿{a}{amount_part}元，于{due1}前付清；应收账款由双方共同催收后平分。",
                      ("{b}支付补偿款",)),
                spot="网格员帮双方列出合伙财产清单，双方同意按出资比例分割。",
                amount=(20000, 200000),
            ),
            Story(
                titles=("丧葬事宜纠纷", "{a}兄妹丧葬费用分担纠纷"),
                text=("{a}的母亲去世后，兄妹{b}等人对丧葬费用分担及礼金分配意见不一，在灵堂前发生争吵，影响丧事办理。"),
                deal=("丧葬费用{amount}元由兄妹四人平均分担，礼金用于支付丧葬费用后的余额交由{a}保管，用于今后祭扫。",
                      ("兄妹各自支付分担的丧葬费用",)),
                spot="网格员请族中长辈出面调和，兄妹几人同意先把丧事办好，费用平均分担。",
                amount=(20000, 80000), respondent="kin",
            ),
            Story(
                titles=("宗祠使用纠纷", "{surname}氏宗祠修缮款纠纷"),
                text=("{village}{surname}氏宗祠修缮后，族人{a}与{b}对祠堂的使用安排和修缮捐款账目公开发生争议，双方各有一批族人支持，"
                      "关系紧张。"),
                deal=("宗祠修缮理事会于{due1}前公开全部捐款和支出明细；祠堂使用由理事会统一登记安排，族人红白喜事优先。",
                      ("理事会公开捐款账目",)),
                spot="网格员请村里的乡贤调解员出面，双方同意由理事会公开账目。",
                amount=(50000, 400000),
            ),
            Story(
                titles=("宠物寄养纠纷", "{a}寄养宠物死亡纠纷"),
                text=("{a}外出期间将一只{pet}寄养在{b}开的宠物店，寄养第{days}天宠物死亡，{a}认为宠物店照料不当，要求赔偿{amount}元。"),
                deal=("宠物店退还寄养费并补偿{a}{amount_part}元，于{due1}前付清。", ("宠物店支付补偿",)),
                spot="网格员调看店内监控后，店主同意退还寄养费并适当补偿。",
                amount=(800, 8000),
            ),
        ),
        decline=(
            ("该事项不属于民间纠纷，告知当事人通过其他途径解决。", Channel.LEGAL_AID),
        ),
        refer=(
            (Channel.COURT, "诸暨市人民法院{court}"),
            (Channel.LEGAL_AID, "诸暨市法律援助中心"),
            (Channel.COUNSELING, "{township}社会心理服务站"),
        ),
        lead=("center", "司法所"),
    ),
}

# Decks: one shuffled per 40 units, so every type and outcome appears in every forty units.
TYPE_DECK = {
    T.NEIGHBORHOOD: 5, T.MARRIAGE_FAMILY: 4, T.HOUSING_HOMESTEAD: 3, T.LAND_CONTRACT: 2,
    T.FOREST_LAND: 1, T.CONTRACT: 3, T.DAMAGES: 3, T.LABOR: 3, T.PROPERTY_MANAGEMENT: 3,
    T.MEDICAL: 1, T.TRAFFIC: 3, T.CONSUMER: 2, T.LAND_ACQUISITION: 2, T.ENVIRONMENT: 2,
    T.VILLAGE_AFFAIRS: 2, T.OTHER: 1,
}
OUTCOME_DECK = {
    O.RESOLVED_GRID: 9, O.RESOLVED_VILLAGE: 15, O.RESOLVED_TOWNSHIP: 5, O.RESOLVED_CHANNEL: 3,
    O.DECLINED: 2, O.WITHDRAWN: 2, O.MERGED: 2, O.UNRESOLVED: 2,
}
DECK_SIZE = 40
assert sum(TYPE_DECK.values()) == DECK_SIZE == sum(OUTCOME_DECK.values())
assert set(TYPE_DECK) == set(DisputeType) and set(OUTCOME_DECK) == set(Outcome)
assert set(PROFILES) == set(DisputeType)

HISTORY = dt.timedelta(days=3 * 365)
BATCH = 100  # units (one or two cases each) per transaction: one fsync per batch, not per statement
CHANNEL_NAMES = {
    Channel.ARBITRATION: "仲裁", Channel.COURT: "诉讼", Channel.ADMINISTRATIVE_REVIEW: "行政复议",
    Channel.ADMINISTRATIVE_ADJUDICATION: "行政裁决", Channel.PETITION: "信访", Channel.LEGAL_AID: "法律援助",
    Channel.COUNSELING: "心理疏导",
}

# --------------------------------------------------------------------------------------------
# Words the templates draw on.
# --------------------------------------------------------------------------------------------

SURNAMES = ("陈" * 6 + "王" * 4 + "杨" * 3 + "何" * 3 + "骆" * 3 + "郭" * 2 + "楼" * 3 + "宣" * 2 + "斯" * 2
            + "赵" * 2 + "俞" * 2 + "周" * 2 + "金" * 2 + "蒋" * 2 + "吴" * 2 + "黄" + "张" * 2 + "徐" * 2
            + "钱" + "寿" + "冯" + "屠" + "边" + "孟" + "石" + "袁" + "章" + "丁" + "方" + "朱" + "胡" + "李"
            + "刘" + "孙" + "傅" + "应" + "翁" + "蔡")
MALE_CHARS = "建国伟明华平海林忠祥根福荣德兴水炳松永兵杰浩宇磊涛斌超鹏飞俊峰军强志文春庆富宝江良岳铭晨立新光东"
FEMALE_CHARS = "芳娟英萍红秀兰丽琴燕霞敏静婷玲凤美月仙菊珍云洁雪颖倩佳怡素彩亚苗慧琳萍春"
ELDER_MALE = ("荣根", "水根", "土根", "松林", "炳奎", "阿荣", "宝兴", "关法", "福林", "金水", "祥富", "樟木")
ELDER_FEMALE = ("金娣", "杏花", "彩凤", "月仙", "爱娟", "菊英", "秀珠", "阿凤", "小娥", "雪娟", "美娣", "银花")
# Resident ID area codes: mostly 诸暨 and its neighbours; migrant workers from further away.
LOCAL_AREAS = ("330681",) * 14 + ("330603", "330602", "330683", "330624", "330682", "330782", "330726", "330105")
MIGRANT_AREAS = ("522401", "522422", "340822", "340826", "362421", "431121", "412726", "513030", "500235", "330681")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                   "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "191", "198",
                   "199")

NAME_HEADS = ("枫华", "永鑫", "恒达", "金盛", "宏泰", "鸿运", "兴旺", "华峰", "天越", "东白", "浣江", "江南", "凯达", "瑞丰",
              "博远", "正大", "顺发", "联丰", "新宇", "万隆", "立信", "卓越", "海峰", "三江")
INDUSTRIES = {
    "枫桥镇": (("服饰", "衬衫", "缝纫工"), ("针织", "针织衫", "挡车工"), ("机械", "机械配件", "车床操作工"),
            ("建材", "新型墙材", "搬运工"), ("印染", "印花面料", "印染工")),
    "店口镇": (("铜业", "铜管接头", "抛光工"), ("五金", "水暖管件", "车床操作工"), ("阀门", "阀门配件", "装配工"),
            ("汽配", "汽车空调管件", "电焊工"), ("管业", "不锈钢波纹管", "包装工")),
}
COMMUNITIES = {
    "枫桥镇": ("枫江花园", "枫桥新村", "金枫苑", "永宁小区", "枫溪名邸", "学勉花苑"),
    "店口镇": ("店口新城", "湄池花苑", "江滨公寓", "阳光家园", "银都花园", "铜都小区"),
}
FIELDS = ("后畈", "大坞垄", "塘下畈", "上湾", "新田垄", "前畈", "溪滩地", "下庄畈")
HILLS = ("后山", "石佛岭", "大坞山", "青龙岗", "东白山脚", "牛头岗", "庙后山", "杨梅坞")
RIVERS = ("枫桥江", "浦阳江支流", "村前小溪", "湄池江", "东江")
ROADS = ("枫店线", "03省道枫桥段", "店口镇解放路", "枫桥镇和平路", "湄池大道", "绍大线", "镇村公交线路口")
PROJECTS = ("杭金衢高速连接线", "枫桥江综合治理工程", "镇工业园区扩建", "美丽乡村提升工程", "老旧小区改造", "村道拓宽硬化工程",
            "店口镇城中村改造", "文化礼堂建设")
HOSPITALS = ("诸暨市人民医院", "诸暨市中医医院", "诸暨市第二人民医院", "{township}中心卫生院")
INSURERS = ("中国人民财产保险股份有限公司诸暨支公司", "中国平安财产保险股份有限公司绍兴中心支公司",
            "中国太平洋财产保险股份有限公司诸暨支公司", "中华联合财产保险股份有限公司诸暨支公司")
COURTS = {"枫桥镇": "枫桥人民法庭", "店口镇": "店口人民法庭"}
GOODS = ("稻谷和化肥", "家具和电器", "过冬的柴火", "袜子半成品", "纸箱和布料", "农机具")
WORKSHOPS = ("袜子加工作坊", "小五金冲压作坊", "缝纫加工点", "木工作坊", "铜件抛光作坊")
TREES = ("香樟树", "水杉", "毛竹", "柚子树", "广玉兰")
TRIGGERS = ("晾衣竿越界", "门前堆放杂物", "小孩打闹", "鸡鸭进菜园", "停车挡道", "下水管堵塞", "装修噪音")
DOGS = ("中华田园犬", "黄狗", "金毛犬", "土狗", "哈士奇")
CARS = ("大众朗逸轿车", "吉利帝豪轿车", "比亚迪秦轿车", "丰田卡罗拉轿车", "本田雅阁轿车", "五菱宏光面包车", "特斯拉Model 3")
INJURIES = ("左腿胫骨骨折", "锁骨骨折", "头部挫伤、多处软组织损伤", "右手腕骨折", "两根肋骨骨折", "腰椎压缩性骨折")
DISEASES = ("脑梗", "肺部感染", "股骨颈骨折", "冠心病", "糖尿病并发症")
SURGERIES = ("腹腔镜胆囊切除", "膝关节置换", "阑尾切除", "腰椎间盘突出微创", "白内障")
COMPLICATIONS = ("切口感染", "持续高烧和腹腔积液", "下肢静脉血栓", "神经损伤导致右腿麻木")
APPLIANCES = (("空调", "制冷效果差、外机异响"), ("冰箱", "冷藏室不制冷"), ("滚筒洗衣机", "漏水、脱水时剧烈震动"),
              ("燃气热水器", "频繁熄火"), ("电动自行车", "电池续航严重不足"), ("智能马桶", "自动冲水失灵"))
GYMS = ("健身房", "美容美发店", "少儿培训机构", "洗车店", "游泳馆")
SEEDS = ("杂交水稻", "鲜食玉米", "西兰花", "榨菜", "油菜")
CROPS = ("水稻", "葡萄", "香榧苗", "蓝莓", "茶叶", "花卉苗木")
VEGETABLES = ("青菜", "番茄", "茄子", "四季豆", "萝卜")
ISSUES = (("地下车库漏水", "地下车库堵漏"), ("电梯经常停运", "电梯维保整改"), ("楼道灯长期不亮", "楼道照明维修"),
          ("绿化带无人修剪", "绿化修剪"), ("门禁系统失灵", "门禁系统更换"))
STRUCTURES = ("钢棚", "两层简易房", "围墙和门楼", "养殖棚", "彩钢板仓库")
PURPOSES = ("做袜子生意进原料", "给儿子买婚房", "开办家庭农场", "支付看病费用", "买货车跑运输")
TRADES = ("纸箱", "布料", "铜管", "五金配件", "农产品")
PETS = ("泰迪犬", "英短猫", "柯基犬", "布偶猫")
SHOP_KINDS = ("早餐店", "水果店", "五金店", "农家乐", "汽修店")
MACHINES = ("冲床", "注塑机", "剪板机", "缝纫机", "切管机")
FINGERS = ("食指", "中指", "无名指", "拇指")

# Notes the steps carry (slots as in the stories).
ACCEPT_NOTES = ("受理后指派{mediator}承办，约双方{next_day}到村调委会调解室面谈。", "已受理，先分头走访双方了解情况。",
                "已受理，通知双方准备相关证据材料。", "", "")
# Why a clock stood still, and what the note says when it runs again.
PAUSE_REASONS = (
    ("被申请人{b}外出务工，电话一直无法接通，暂停计时等待联系。", "已联系上{b}，恢复调解。"),
    ("申请人{a}住院治疗，待其出院后继续调解。", "{a}已出院，恢复调解。"),
    ("等待{appraisal}结果，暂停调解期限。", "{appraisal}结果已出，恢复调解。"),
    ("当事人外出过年，节后再组织调解。", "当事人已返回，恢复调解。"),
)
APPRAISALS = {
    T.TRAFFIC: ("伤残等级鉴定", "车辆损失评估"), T.DAMAGES: ("伤残等级鉴定", "损失价格评估"),
    T.MEDICAL: ("医疗损害鉴定",), T.LABOR: ("劳动能力鉴定", "工伤认定"),
    T.HOUSING_HOMESTEAD: ("房屋安全鉴定", "宅基地现场测绘"), T.LAND_CONTRACT: ("承包地现场测绘",),
    T.FOREST_LAND: ("林地勘界",), T.LAND_ACQUISITION: ("征收面积复核",), T.CONSUMER: ("产品质量检测",),
    T.CONTRACT: ("工程质量鉴定", "司法会计鉴定"), T.PROPERTY_MANAGEMENT: ("维修工程造价评估",),
    T.ENVIRONMENT: ("环境监测",),
}
ESCALATE_REASONS = ("双方分歧较大，经{sessions}次调解未果，申请镇综治中心介入。", "涉及金额较大、法律关系复杂，超出村调委会调处能力。",
                    "当事人情绪激动，有矛盾激化风险，提请镇级联合调处。")
DIRECT_ESCALATE_REASONS = ("纠纷涉及多个部门职能，村级无法调处，直接上报镇综治中心。", "当事人不信任村干部，要求镇里处理。",
                           "涉及人数较多，有群体性事件苗头，及时上报。")
TRIAGE_NOTES = ("经研判，由{lead}牵头组织联合调解。", "召开分流研判会，指定{lead}主办，司法所配合。", "")
RETURN_NOTES = ("经研判，该纠纷事实清楚、争议不大，发回{village}调委会继续调解，司法所派员指导。",
                "属村级调处范围，请村调委会依据现场核查结果再次组织调解，镇综治中心跟踪督办。",
                "指导意见：先固定证据、厘清责任，再组织双方面对面调解，必要时邀请乡贤参与。")
REFER_NOTES = ("镇级调解未果，引导当事人通过{channel_label}途径解决，已出具转办函。", "经当事人同意，移送{body}处理。", "")
REOPEN_REASONS = ("{b}未按协议于{due1}前履行，{a}申请重新调解。", "协议签订后{b}反悔，认为约定的金额过高，拒绝履行。",
                  "{a}反映协议履行中出现新的争议，要求重新调解。")
CLOSE_NOTES = {
    Satisfaction.SATISFIED: ("回访：{a}确认协议已履行完毕，对调解结果满意。", "电话回访，双方均表示满意，关系已经缓和。",
                             "上门回访，协议义务已全部履行，当事人满意。"),
    Satisfaction.BASICALLY_SATISFIED: ("回访：协议已履行，{a}对履行时间稍有意见，总体基本满意。",
                                       "回访：款项已到位，当事人基本满意。"),
    Satisfaction.DISSATISFIED: ("回访：协议已履行，但{a}认为补偿偏低，表示不满意。", "回访：{b}履行拖延，{a}不满意，但不再要求重新调解。"),
}
WITHDRAW_NOTES = ("双方已自行和解，申请人{a}申请撤回。", "申请人{a}表示将直接向人民法院起诉，撤回调解申请。",
                  "申请人{a}经亲友劝说，不再追究，申请撤回。", "{b}已主动履行，{a}申请撤回。")
MERGE_NOTES = ("与本村已登记案件系同一纠纷，并入原案件办理。", "12345热线转办件与网格员上报件重复，并单处理。",
               "同一当事人就同一事项重复反映，并单处理。")
DUPLICATE_PREFIX = {
    Source.HOTLINE_12345: "12345热线转办：来电人{a}反映，",
    Source.ONLINE: "网上信访件：{a}反映，",
    Source.WALK_IN: "{a}到村委会来访反映，",
    Source.PETITION_OFFICE: "信访办转来：{a}反映，",
    Source.GRID_PATROL: "网格巡查发现：",
}
REFERRAL_REPLIES = {
    True: {
        Channel.ARBITRATION: ("经仲裁庭主持调解，双方达成调解协议，仲裁委已出具调解书，款项已履行完毕。",
                              "仲裁裁决已生效，被申请人已按裁决履行。"),
        Channel.COURT: ("经诉前调解，双方达成调解协议并申请司法确认，法院已出具民事裁定书。",
                        "法院立案后组织调解，双方达成调解协议，已结案。"),
        Channel.ADMINISTRATIVE_REVIEW: ("复议机关已作出复议决定，申请人表示接受。", "经复议机关协调，双方达成和解，申请人撤回复议申请。"),
        Channel.ADMINISTRATIVE_ADJUDICATION: ("行政机关已作出处理决定，双方均已执行。", "经行政调解，双方达成一致，问题已解决。"),
        Channel.PETITION: ("信访事项已按期办结，信访人对答复意见表示满意。",),
        Channel.LEGAL_AID: ("法律援助律师代为协商，对方已履行，当事人问题已解决。",),
        Channel.COUNSELING: ("经多次心理疏导，当事人情绪稳定，双方关系缓和，不再要求调解。",),
    },
    False: {
        Channel.ARBITRATION: ("申请人撤回仲裁申请后未再主张权利。", "仲裁委以超过仲裁时效为由不予受理。"),
        Channel.COURT: ("诉前调解未达成协议，已转立案审理，当事人另行诉讼。", "原告撤诉，纠纷未解决。"),
        Channel.ADMINISTRATIVE_REVIEW: ("复议决定维持原行政行为，申请人仍不服，表示将提起行政诉讼。",),
        Channel.ADMINISTRATIVE_ADJUDICATION: ("行政机关答复不属于其职责范围，当事人未再主张。",),
        Channel.PETITION: ("信访事项已答复，信访人不满意，申请复查。",),
        Channel.LEGAL_AID: ("当事人不符合法律援助条件，未获援助，纠纷未解决。",),
        Channel.COUNSELING: ("当事人拒绝继续接受心理疏导，矛盾未化解。",),
    },
}
ELEVATED_NOTES = ("现场双方情绪激动，围观群众十余人。", "一方扬言要“讨个说法”，存在矛盾激化风险。", "当事人称若不解决将到镇政府上访。")
EXTRA_NOTES = ("双方曾多次自行协商未果。", "{a}称已向村干部反映过两次。", "邻居{c}在场见证。", "", "", "")



# Each side's responsibility, as the agreement states it (art. 35 of 《人民调解工作若干规定》).
RESPONSIBILITIES = (
    "经调查核实，{b}对纠纷的发生负主要责任，{a}负次要责任。",
    "双方对纠纷的发生均有一定责任，{b}的责任相对较大。",
    "{b}对{a}的损失负有责任，应予赔偿；{a}亦有处理不当之处。",
    "经调解员释法说理，双方确认由{b}承担相应责任。",
)
# The follow-up visit found the agreement unperformed: what the parties were told.
UNFULFILLED_NOTES = (
    "回访：{b}未按协议履行，经催告仍拒不履行。已告知{a}可申请司法确认后向法院申请强制执行，或向法院起诉。",
    "回访：协议义务逾期未履行，{a}表示将向人民法院起诉，调委会已告知诉讼途径并提供法律援助咨询。",
)
