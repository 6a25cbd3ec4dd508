"""The default taxonomy a new platform starts with (editable afterwards in the admin)."""

from __future__ import annotations

# (code, 中文, English) — the board's usual first-level domains.
DOMAINS: list[tuple[str, str, str]] = [
    ("urban", "城建", "Urban construction"),
    ("transport", "交通", "Transport"),
    ("agriculture", "三农", "Agriculture and rural affairs"),
    ("environment", "环保", "Environment"),
    ("education", "教育", "Education"),
    ("health", "医疗", "Health care"),
    ("employment", "就业", "Employment"),
    ("social_security", "社保", "Social security"),
    ("public_security", "治安", "Public security"),
    ("housing", "房地产", "Real estate"),
    ("enterprise", "企业", "Business"),
    ("finance", "金融", "Finance"),
    ("tourism", "旅游", "Tourism"),
    ("culture", "文娱", "Culture and sport"),
    ("government", "政务", "Government affairs"),
    ("commerce", "商贸", "Commerce and markets"),
    ("civil_affairs", "民生", "Civil affairs"),
    ("other", "其他", "Other"),
]

# (code, 中文, English)
KINDS: list[tuple[str, str, str]] = [
    ("complaint", "投诉", "Complaint"),
    ("help", "求助", "Request for help"),
    ("question", "咨询", "Question"),
    ("suggestion", "建言", "Suggestion"),
    ("thanks", "感谢", "Thanks"),
]
