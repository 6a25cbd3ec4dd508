"""Default directory templates: the functional units and central bodies (editable data)."""

from __future__ import annotations

# (code, unit name stem, province suffix, local suffix, domain codes it handles)
UNIT_TEMPLATES: list[tuple[str, str, str, str, list[str]]] = [
    ("zhujian", "住房和城乡建设", "厅", "局", ["urban", "housing"]),
    ("jiaotong", "交通运输", "厅", "局", ["transport"]),
    ("jiaoyu", "教育", "厅", "局", ["education"]),
    ("weijian", "卫生健康委员会", "", "", ["health"]),
    ("renshe", "人力资源和社会保障", "厅", "局", ["employment", "social_security"]),
    ("shengtai", "生态环境", "厅", "局", ["environment"]),
    ("shichang", "市场监督管理", "局", "局", ["commerce", "enterprise"]),
    ("gongan", "公安", "厅", "局", ["public_security"]),
    ("ziran", "自然资源", "厅", "局", ["urban", "agriculture"]),
    ("nongye", "农业农村", "厅", "局", ["agriculture"]),
    ("minzheng", "民政", "厅", "局", ["civil_affairs"]),
    ("shuiwu", "税务", "局", "局", ["finance", "enterprise"]),
    ("xinfang", "信访", "局", "局", ["government"]),
    ("wenlv", "文化和旅游", "厅", "局", ["tourism", "culture"]),
    ("zhengwu", "政务服务和数据管理", "局", "局", ["government"]),
]

# Central party and state bodies that run boards (中央部委). Names are public facts.
CENTRAL_BODIES: list[tuple[str, str, list[str]]] = [
    ("mohurd", "住房和城乡建设部", ["urban", "housing"]),
    ("mot", "交通运输部", ["transport"]),
    ("moe", "教育部", ["education"]),
    ("nhc", "国家卫生健康委员会", ["health"]),
    ("mohrss", "人力资源和社会保障部", ["employment", "social_security"]),
    ("mee", "生态环境部", ["environment"]),
    ("samr", "国家市场监督管理总局", ["commerce", "enterprise"]),
    ("mps", "公安部", ["public_security"]),
    ("mnr", "自然资源部", ["urban", "agriculture"]),
    ("moa", "农业农村部", ["agriculture"]),
    ("mca", "民政部", ["civil_affairs"]),
    ("sta", "国家税务总局", ["finance", "enterprise"]),
    ("mof", "财政部", ["finance"]),
    ("mofcom", "商务部", ["commerce"]),
    ("mct", "文化和旅游部", ["tourism", "culture"]),
    ("nhsa", "国家医疗保障局", ["health", "social_security"]),
    ("miit", "工业和信息化部", ["enterprise"]),
    ("mwr", "水利部", ["agriculture", "environment"]),
    ("ndrc", "国家发展和改革委员会", ["government", "enterprise"]),
    ("nfra", "国家金融监督管理总局", ["finance"]),
    ("sbgj", "国家信访局", ["government"]),
]

# English stems of the unit templates (the level's suffix — Department, Bureau — is added).
UNIT_TEMPLATES_EN: dict[str, str] = {
    "zhujian": "Housing and Urban-Rural Development",
    "jiaotong": "Transport",
    "jiaoyu": "Education",
    "weijian": "Health Commission",
    "renshe": "Human Resources and Social Security",
    "shengtai": "Ecology and Environment",
    "shichang": "Market Regulation",
    "gongan": "Public Security",
    "ziran": "Natural Resources",
    "nongye": "Agriculture and Rural Affairs",
    "minzheng": "Civil Affairs",
    "shuiwu": "Taxation",
    "xinfang": "Letters and Calls",
    "wenlv": "Culture and Tourism",
    "zhengwu": "Government Services and Data Management",
}

# The central bodies' official English names.
CENTRAL_BODIES_EN: dict[str, str] = {
    "mohurd": "Ministry of Housing and Urban-Rural Development",
    "mot": "Ministry of Transport",
    "moe": "Ministry of Education",
    "nhc": "National Health Commission",
    "mohrss": "Ministry of Human Resources and Social Security",
    "mee": "Ministry of Ecology and Environment",
    "samr": "State Administration for Market Regulation",
    "mps": "Ministry of Public Security",
    "mnr": "Ministry of Natural Resources",
    "moa": "Ministry of Agriculture and Rural Affairs",
    "mca": "Ministry of Civil Affairs",
    "sta": "State Taxation Administration",
    "mof": "Ministry of Finance",
    "mofcom": "Ministry of Commerce",
    "mct": "Ministry of Culture and Tourism",
    "nhsa": "National Healthcare Security Administration",
    "miit": "Ministry of Industry and Information Technology",
    "mwr": "Ministry of Water Resources",
    "ndrc": "National Development and Reform Commission",
    "nfra": "National Financial Regulatory Administration",
    "sbgj": "National Public Complaints and Proposals Administration",
}
