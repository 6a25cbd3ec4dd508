"""Hot-issue mining (热点问题挖掘): group messages by place and problem, rank by heat.

Pure functions over plain records; no database. See docs/hot-issues.md.
"""

from .features import HotInput
from .heat import Heat, heat
from .index import HotIssueIndex
from .report import HotIssue, hot_issues

__all__ = ["Heat", "HotInput", "HotIssue", "HotIssueIndex", "heat", "hot_issues"]
