"""A generator of realistic, entirely synthetic messages and replies.

Used by the demo world and by the benchmarks. Every phrase here was written for
this project: templates per domain and kind, filled with invented places,
numbers and details, so no real person's words are ever shipped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Per domain: (places, problems). A title is place + problem; bodies add detail.
DOMAIN_TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "urban": (
        [
            "幸福路",
            "建设北路",
            "东风小区",
            "学府花园",
            "火车站广场",
            "滨江大道",
            "人民路口",
            "长青街",
        ],
        [
            "路灯长期不亮",
            "道路破损坑洼严重",
            "下水道堵塞污水外溢",
            "违章搭建无人处理",
            "人行道被占用",
            "井盖缺失存在安全隐患",
            "施工围挡占道多年",
        ],
    ),
    "transport": (
        ["102路公交", "城南客运站", "机场大道", "高铁站东广场", "二环路", "学院路公交站"],
        [
            "公交班次太少等车时间长",
            "红绿灯时间设置不合理",
            "出租车拒载绕路",
            "乱停车堵塞道路",
            "缺少过街天桥",
            "早晚高峰拥堵严重",
        ],
    ),
    "agriculture": (
        ["青山村", "河西镇", "白沙乡", "桃源村", "新塘村"],
        [
            "灌溉水渠年久失修",
            "种粮补贴迟迟未发放",
            "村道硬化未完成",
            "农产品销售困难",
            "土地流转费用拖欠",
            "农村自来水经常停水",
        ],
    ),
    "environment": (
        ["化工园区", "城西工业区", "锦绣家园", "河堤公园", "金湖小区", "开发区"],
        [
            "夜间偷排废气刺鼻",
            "餐饮油烟扰民",
            "河道发黑发臭",
            "工地夜间施工噪音扰民",
            "垃圾清运不及时",
            "建筑扬尘严重",
        ],
    ),
    "education": (
        ["实验小学", "第三中学", "城东幼儿园", "职业技术学院", "育才学校"],
        [
            "学位紧张孩子入学难",
            "课后服务乱收费",
            "校门口交通安全隐患",
            "食堂饭菜质量差",
            "强制购买教辅资料",
            "学生被要求去指定企业实习",
        ],
    ),
    "health": (
        ["市第一医院", "社区卫生服务中心", "中医院", "妇幼保健院", "人民医院"],
        [
            "挂号难排队时间长",
            "医保报销流程繁琐",
            "收费不透明",
            "急诊医生态度差",
            "社区疫苗预约难",
            "药品价格偏高",
        ],
    ),
    "employment": (
        ["高新区某电子厂", "某建筑公司", "物流园某公司", "商业街某餐饮店"],
        [
            "拖欠工资半年未发",
            "不签劳动合同",
            "加班不给加班费",
            "辞退不给经济补偿",
            "招聘存在性别歧视",
        ],
    ),
    "social_security": (
        ["街道社保所", "区人社局窗口", "养老服务中心", "医保服务大厅"],
        [
            "养老金领取资格认证困难",
            "社保转移接续办理慢",
            "灵活就业人员参保咨询",
            "失业金申领被拒",
            "退休手续迟迟办不下来",
        ],
    ),
    "public_security": (
        ["夜市一条街", "城中村", "老旧小区", "网吧附近", "地铁口"],
        [
            "电动车频繁被盗",
            "深夜有人聚集闹事",
            "电信诈骗损失追回",
            "户口迁移办理难",
            "噪音扰民报警无果",
        ],
    ),
    "housing": (
        ["翡翠湾", "阳光新城", "御景华庭", "盛世名门", "江岸一号"],
        [
            "项目停工延期交房",
            "物业收费不合理",
            "开发商拖延办理产权证",
            "房屋质量问题严重",
            "公摊面积计算有异议",
            "维修基金使用不透明",
        ],
    ),
    "enterprise": (
        ["小微企业", "个体工商户", "民营加工厂", "科技初创公司"],
        [
            "营业执照办理流程复杂",
            "企业贷款难融资贵",
            "涉企检查过多",
            "政府项目款项拖欠",
            "减税降费政策落实不到位",
        ],
    ),
    "finance": (
        ["某银行网点", "某理财平台", "某小额贷款公司"],
        [
            "理财产品到期无法兑付",
            "暴力催收骚扰家人",
            "信用卡乱收费",
            "网贷利息过高",
            "存款被误划扣",
        ],
    ),
    "tourism": (
        ["古镇景区", "森林公园", "湖滨景区", "民俗文化村"],
        [
            "景区门票价格过高",
            "旅行团强制购物",
            "景区厕所不足",
            "停车收费混乱",
            "节假日游客过多管理混乱",
        ],
    ),
    "culture": (
        ["市图书馆", "体育中心", "文化馆", "社区活动中心", "全民健身广场"],
        [
            "开放时间太短",
            "健身器材损坏无人维修",
            "广场舞音响扰民",
            "场馆收费过高",
            "希望增加公益文化活动",
        ],
    ),
    "government": (
        ["政务服务中心", "不动产登记中心", "街道办事处", "区行政审批局"],
        [
            "办事要求重复提交材料",
            "窗口工作人员态度差",
            "网上办事系统经常故障",
            "预约号源太少",
            "证明材料要求不合理",
        ],
    ),
    "commerce": (
        ["农贸市场", "大型超市", "商业步行街", "电商平台商家"],
        ["缺斤短两", "销售过期食品", "预付卡商家跑路", "价格欺诈", "售后服务推诿"],
    ),
    "civil_affairs": (
        ["社区", "敬老院", "街道", "殡仪馆"],
        [
            "低保申请审核慢",
            "高龄补贴未按时发放",
            "残疾人补贴咨询",
            "养老机构收费过高",
            "婚姻登记预约难",
        ],
    ),
    "other": (
        ["本市", "我们小区", "我所在的街道"],
        ["相关问题咨询", "希望有关部门关注", "政策落实情况咨询"],
    ),
}

OPENINGS = ["尊敬的领导：您好！", "领导您好，", "您好！", "尊敬的市长：", "各位领导好，", ""]
DURATIONS = [
    "已经一个多月了",
    "持续了半年多",
    "从去年开始就这样",
    "最近两周尤其严重",
    "反映多次一直没有解决",
]
IMPACTS = [
    "严重影响了周边居民的正常生活",
    "给群众出行带来很大不便",
    "存在很大的安全隐患",
    "老人和孩子深受其害",
    "大家意见很大",
]
KIND_ASKS = {
    "complaint": [
        "恳请有关部门尽快调查处理。",
        "希望领导督促有关单位依法处理。",
        "请求相关部门给个说法。",
    ],
    "help": [
        "恳请领导帮忙协调解决，万分感谢！",
        "实在没有办法了，请求帮助。",
        "希望能得到帮助，尽快解决困难。",
    ],
    "question": [
        "想咨询一下相关政策规定是什么？",
        "请问应该向哪个部门办理？需要哪些材料？",
        "想了解具体办理流程和时限。",
    ],
    "suggestion": [
        "建议有关部门统筹规划、加强管理。",
        "建议增加投入，建立长效机制。",
        "建议听取群众意见后优化方案。",
    ],
    "thanks": [
        "特此感谢有关部门的高效办理！",
        "为工作人员的负责态度点赞！",
        "感谢领导的关心，问题已经解决了。",
    ],
}
KIND_TITLE_PREFIX = {
    "complaint": "投诉",
    "help": "求助",
    "question": "咨询",
    "suggestion": "建议",
    "thanks": "感谢",
}

REPLY_OPENINGS = [
    "网友您好！您反映的问题收悉。",
    "您好，感谢您对我们工作的关心和支持。",
    "网友：您好！",
]
REPLY_FINDINGS = [
    "经我局工作人员于{date}现场核查，情况基本属实。",
    "经调查核实，{place}{problem}的情况确实存在。",
    "我单位高度重视，立即组织有关科室调查了解。",
]
# What the unit did, by the kind of message: a question gets an answer, a suggestion a
# decision, thanks an acknowledgement; complaints and requests for help get action.
REPLY_ACTIONS = [
    "目前已责成有关单位限期整改，预计{days}个工作日内完成。",
    "已于{date}完成处理，恢复正常。",
    "已协调有关部门制定解决方案，近期将分步实施。",
]
REPLY_LAW_ACTION = "已依据《{law}》对相关责任方下达整改通知书，并将持续跟踪。"
REPLY_BY_KIND = {
    "question": [
        "关于您咨询的{problem}问题，现答复如下：可携带身份证件到{unit}服务窗口办理，"
        "材料齐全的，{days}个工作日内办结。",
        "关于您咨询的{problem}问题，相关政策已在{unit}网站公开，办理流程和时限以公布为准。",
    ],
    "suggestion": [
        "您提出的建议很有参考价值，我们已转{unit}研究，将在下一步工作中统筹考虑。",
        "您的建议已纳入我们的工作计划，将结合实际分步推进。",
    ],
    "thanks": ["感谢您的肯定，我们将继续做好相关工作。"],
}
# The laws a unit would cite, by domain; a domain without one gets no citation.
REPLY_LAWS = {
    "urban": ["城市市容和环境卫生管理条例", "城市道路管理条例"],
    "housing": ["物业管理条例", "城市房地产管理法"],
    "employment": ["劳动合同法", "保障农民工工资支付条例"],
    "commerce": ["消费者权益保护法", "价格法"],
    "environment": ["环境噪声污染防治法", "大气污染防治法"],
    "transport": ["道路交通安全法"],
    "education": ["义务教育法"],
    "health": ["基本医疗卫生与健康促进法"],
    "tourism": ["旅游法"],
    "finance": ["商业银行法"],
    "social_security": ["社会保险法"],
}
REPLY_CONTACTS = [
    "如有疑问，请联系{unit}，电话0731-8{n:07d}。",
    "联系人：王科长，联系电话0731-8{n:07d}。",
    "",
]
REPLY_CLOSINGS = ["感谢您的监督！", "再次感谢您的关注。", "特此回复。"]
PERFUNCTORY = "您好，您的留言已收悉，我们将转有关部门处理。感谢您的关注。"


@dataclass(frozen=True)
class GeneratedMessage:
    """One synthetic message: its domain and kind codes and its text."""

    domain: str
    kind: str
    title: str
    body: str
    location: str
    place: str
    problem: str
    with_phone: bool


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def generate_message(
    rng: random.Random, domain: str | None = None, kind: str | None = None, city: str = ""
) -> GeneratedMessage:
    """A plausible message about a problem in ``domain`` of ``kind``."""
    domain = domain or rng.choice(list(DOMAIN_TOPICS))
    kind = kind or rng.choices(list(KIND_ASKS), weights=[45, 20, 20, 12, 3])[0]
    places, problems = DOMAIN_TOPICS[domain]
    place, problem = rng.choice(places), rng.choice(problems)
    prefix = KIND_TITLE_PREFIX[kind] if rng.random() < 0.4 else ""
    title = f"{prefix}{city}{place}{problem}"[:50]
    if len(title) < 5:
        title = f"关于{title}的问题"
    with_phone = rng.random() < 0.25
    parts = [
        rng.choice(OPENINGS),
        f"我是{city}{place}附近的居民，{place}{problem}，{rng.choice(DURATIONS)}，{rng.choice(IMPACTS)}。",
        f"{rng.randint(2, 12)}月{rng.randint(1, 28)}日我们曾向有关部门反映过，但至今没有明显改善。"
        if rng.random() < 0.6
        else "",
        rng.choice(KIND_ASKS[kind]),
        f"我的联系电话是{_phone(rng)}。" if with_phone else "",
    ]
    body = "".join(parts)
    return GeneratedMessage(domain, kind, title, body, f"{city}{place}", place, problem, with_phone)


def generate_reply(
    rng: random.Random, message: GeneratedMessage, unit: str, *, perfunctory: bool = False
) -> str:
    """A specific, complete reply to ``message`` — or a perfunctory one for the demo's quality checks."""
    if perfunctory:
        return PERFUNCTORY
    date = f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
    laws = REPLY_LAWS.get(message.domain, [])
    if message.kind in REPLY_BY_KIND:
        # A question, a suggestion or thanks is answered, not investigated.
        finding = ""
        action = rng.choice(REPLY_BY_KIND[message.kind])
    else:
        finding = rng.choice(REPLY_FINDINGS)
        action = rng.choice(REPLY_ACTIONS + ([REPLY_LAW_ACTION] if laws else []))
    values = {
        "date": date,
        "place": message.place,
        "problem": message.problem,
        "unit": unit,
        "days": rng.randint(3, 20),
        "law": rng.choice(laws) if laws else "",
    }
    parts = [
        rng.choice(REPLY_OPENINGS),
        finding.format(**values),
        action.format(**values),
        rng.choice(REPLY_CONTACTS).format(unit=unit, n=rng.randrange(10**7)),
        rng.choice(REPLY_CLOSINGS),
    ]
    return "".join(parts)
