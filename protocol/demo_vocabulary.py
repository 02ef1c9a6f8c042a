"""The words the demo firm is made of: Chinese and English names, places, notes and pipelines.

Chinese words carry their pinyin so e-mail addresses and domains can be made without pypinyin
(the protocol package imports only the standard library).
"""

from __future__ import annotations

# Chinese words carry their pinyin so e-mail addresses and domains can be made without pypinyin
# (this module imports only the standard library and protocol.entities).

CITIES: tuple[tuple[str, str, str], ...] = (
    ("北京", "beijing", "朝阳区"),
    ("上海", "shanghai", "浦东新区"),
    ("广州", "guangzhou", "天河区"),
    ("深圳", "shenzhen", "南山区"),
    ("杭州", "hangzhou", "西湖区"),
    ("南京", "nanjing", "鼓楼区"),
    ("成都", "chengdu", "武侯区"),
    ("重庆", "chongqing", "渝中区"),
    ("武汉", "wuhan", "江汉区"),
    ("西安", "xian", "雁塔区"),
    ("天津", "tianjin", "和平区"),
    ("苏州", "suzhou", "工业园区"),
    ("青岛", "qingdao", "市南区"),
    ("厦门", "xiamen", "思明区"),
    ("长沙", "changsha", "岳麓区"),
    ("郑州", "zhengzhou", "金水区"),
    ("中国", "zhongguo", "海淀区"),
)
CORES: tuple[tuple[str, str], ...] = (
    ("", ""),  # no brand: 北京银行, 中国建筑第八工程局有限公司
    ("华信", "huaxin"),
    ("宏达", "hongda"),
    ("恒通", "hengtong"),
    ("浦东发展", "pudongfazhan"),
    ("建设", "jianshe"),
    ("招商", "zhaoshang"),
    ("远洋", "yuanyang"),
    ("东方", "dongfang"),
    ("长城", "changcheng"),
    ("金桥", "jinqiao"),
    ("鼎盛", "dingsheng"),
    ("瑞丰", "ruifeng"),
    ("安泰", "antai"),
    ("永隆", "yonglong"),
    ("新世纪", "xinshiji"),
    ("海天", "haitian"),
    ("中联", "zhonglian"),
    ("天合", "tianhe"),
    ("富达", "fuda"),
    ("嘉禾", "jiahe"),
    ("光明", "guangming"),
    ("国泰", "guotai"),
    ("兴业", "xingye"),
    ("民生", "minsheng"),
)
# industry value -> (Chinese name parts, English name parts)
INDUSTRIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "construction": (
        ("建筑第八工程局", "建筑工程", "路桥建设", "建工集团", "市政工程"),
        ("Construction", "Builders", "Engineering"),
    ),
    "banking": (("银行", "农村商业银行", "商业银行"), ("Bank", "Savings Bank")),
    "brokerage": (("证券", "期货", "资产管理"), ("Securities", "Capital", "Asset Management")),
    "distribution": (("贸易", "商贸", "供应链管理", "物流"), ("Logistics", "Trading", "Supply")),
    "manufacturing": (
        ("机械制造", "电子科技", "精密仪器", "新材料"),
        ("Manufacturing", "Industries"),
    ),
    "insurance": (("人寿保险", "财产保险"), ("Insurance", "Assurance")),
    "retail": (("百货", "连锁超市"), ("Retail", "Stores")),
}
INDUSTRY_LABELS: dict[str, tuple[str, str]] = {
    "construction": ("Construction", "建筑"),
    "banking": ("Banking", "银行"),
    "brokerage": ("Brokerage", "证券"),
    "distribution": ("Distribution", "分销"),
    "manufacturing": ("Manufacturing", "制造"),
    "insurance": ("Insurance", "保险"),
    "retail": ("Retail", "零售"),
}
ZH_SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司")
EN_CORES = (
    "Harbor",
    "Summit",
    "Northwind",
    "Bluewater",
    "Granite",
    "Evergreen",
    "Redwood",
    "Silverline",
    "Crescent",
    "Pioneer",
    "Beacon",
    "Oakridge",
    "Meridian",
    "Atlas",
    "Riverside",
    "Lakeshore",
)
EN_SUFFIXES = ("Ltd", "Inc.", "Group", "Co., Ltd.", "PLC")

SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("林", "lin"),
    ("罗", "luo"),
    ("高", "gao"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
)
GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("晓东", "xiaodong"),
    ("海燕", "haiyan"),
    ("国栋", "guodong"),
    ("婷", "ting"),
    ("雪梅", "xuemei"),
    ("文博", "wenbo"),
    ("子涵", "zihan"),
)
EN_FIRST = (
    "Emily",
    "James",
    "Olivia",
    "Daniel",
    "Sophie",
    "Michael",
    "Grace",
    "Thomas",
    "Hannah",
    "David",
    "Charlotte",
    "Andrew",
    "Lucy",
    "Peter",
    "Rachel",
    "Oliver",
    "Laura",
    "Simon",
)
EN_LAST = (
    "Carter",
    "Walker",
    "Bennett",
    "Hughes",
    "Foster",
    "Morgan",
    "Reed",
    "Parker",
    "Turner",
    "Collins",
    "Hayes",
    "Ellis",
    "Grant",
    "Shaw",
    "Wright",
    "Palmer",
    "Fletcher",
    "Lawson",
)
ZH_TITLES = (
    "总经理",
    "副总经理",
    "采购经理",
    "财务总监",
    "项目经理",
    "工程部经理",
    "董事长",
    "行政主管",
)
EN_TITLES = ("CEO", "CFO", "Purchasing Manager", "Project Manager", "Operations Director")
ROADS = ("世纪大道", "人民路", "解放路", "建设路", "中山路", "长江路", "科技园路", "滨江大道")
EN_STREETS = ("Harbour Road", "King Street", "Station Road", "Market Street", "Mill Lane")
EN_TOWNS = (("London", "EC1A 1BB"), ("Manchester", "M1 2AB"), ("New York, NY", "10001"))

PICKLISTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "industry": tuple((value, en, zh) for value, (en, zh) in INDUSTRY_LABELS.items()),
    "source": (
        ("advert", "Advertising", "广告"),
        ("visit", "Visit", "拜访"),
        ("website", "Website", "网站"),
        ("mail", "Direct mail", "直邮"),
        ("referral", "Referral", "转介绍"),
    ),
    "tier": (("gold", "Gold", "金牌"), ("silver", "Silver", "银牌"), ("bronze", "Bronze", "铜牌")),
    "lifecycle": (
        ("prospect", "Prospect", "潜在"),
        ("target", "Target", "目标"),
        ("active", "Active", "现实"),
        ("lost", "Lost", "流失"),
    ),
    "value_label": (
        ("high_value", "High value", "高价值"),
        ("growing", "Growing", "成长性"),
        ("ordinary", "Ordinary", "普通"),
        ("potential", "Potential", "潜在"),
    ),
    "buying_role": (
        ("decision_maker", "Decision maker", "决策者"),
        ("influencer", "Influencer", "影响者"),
        ("user", "User", "使用者"),
        ("buyer", "Buyer", "采购者"),
    ),
    "activity_kind": (
        ("visit", "Visit", "拜访"),
        ("call", "Call", "电话"),
        ("meeting", "Meeting", "会议"),
        ("email", "E-mail", "邮件"),
        ("note", "Note", "备注"),
        ("return_visit", "Return visit", "回访"),
    ),
}
TAGS = ("重点客户", "VIP", "老客户", "年度框架", "key account", "renewal", "referral", "政府项目")

# (name, probability, outcome)
SALES_STAGES = (
    ("Lead", 0.1, ""),
    ("Qualified", 0.25, ""),
    ("Proposal", 0.5, ""),
    ("Negotiation", 0.75, ""),
    ("Won", 1.0, "won"),
    ("Lost", 0.0, "lost"),
)
PROJECT_STAGES = (
    ("招标", 0.05, ""),
    ("投标", 0.2, ""),
    ("中标", 0.9, ""),
    ("施工", 1.0, "won"),
    ("竣工", 1.0, "won"),
    ("验收", 1.0, "won"),
    ("移交", 1.0, "won"),
    ("保修期", 1.0, "won"),
    ("未中标", 0.0, "lost"),
)
PIPELINES = (
    ("Sales pipeline 销售漏斗", SALES_STAGES),
    ("工程项目 Construction projects", PROJECT_STAGES),
)

ZH_SUBJECTS = {
    "visit": ("季度拜访", "上门拜访", "项目现场拜访"),
    "call": ("电话沟通报价", "电话跟进合同", "电话确认需求"),
    "meeting": ("商务谈判会议", "年度合作会议", "技术交流会"),
    "email": ("发送报价单", "发送合同草案"),
    "note": ("客户情况备注", "内部备注"),
    "return_visit": ("交付后回访", "保修期回访"),
}
EN_SUBJECTS = {
    "visit": ("Quarterly visit", "Site visit"),
    "call": ("Call about the quote", "Contract follow-up call"),
    "meeting": ("Negotiation meeting", "Annual review meeting"),
    "email": ("Sent the quotation", "Sent the draft contract"),
    "note": ("Account note", "Internal note"),
    "return_visit": ("Return visit after handover", "Warranty return visit"),
}
ZH_NOTES = (
    "拜访{person},讨论{topic},客户对报价反馈积极,希望下周提供正式方案。",
    "与{person}电话沟通{topic},对方关注付款周期和售后服务。",
    "{person}表示预算已批复,{topic}预计下季度启动。",
    "客户对上次交付的质量满意,{person}提到可能转介绍同行。",
    "{person}反映发票延迟,已协调财务处理;{topic}暂缓。",
)
ZH_TOPICS = (
    "年度框架协议",
    "新办公楼施工项目",
    "理财产品续约",
    "供应链融资",
    "设备采购",
    "保修服务",
)
EN_NOTES = (
    "Met {person} to discuss {topic}; they asked for a revised quotation by Friday.",
    "Call with {person} about {topic}. Budget approved, decision expected next quarter.",
    "{person} is happy with the last delivery and may refer us to a partner firm.",
    "{person} raised a concern about invoice timing; finance is looking into it.",
)
EN_TOPICS = ("the framework agreement", "the warehouse expansion", "the renewal", "new equipment")
ZH_FOLLOWUPS = ("回访{name}", "发送报价给{name}", "确认合同条款", "安排现场考察", "催收货款")
EN_FOLLOWUPS = ("Call back {name}", "Send quotation to {name}", "Confirm contract terms")
ZH_OUTCOMES = ("客户同意试用", "需要再次报价", "已签署意向书", "暂无采购计划", "转交技术部跟进")
EN_OUTCOMES = (
    "Agreed to a trial",
    "Needs a new quote",
    "Signed a letter of intent",
    "No budget yet",
)
