"""Hot issues (热点问题): the whole concern in one package. See docs/hot-issues.md.

Exported here is the pure miner (records in, ranked groups out, no database): ``features``,
``places``, ``index``, ``heat``, ``report``. The platform side lives beside it and needs
Django: ``store`` (the worker's index and the rows), ``warning`` (未诉先办), ``selectors``,
``permissions``, ``actions``, ``config``.
"""

from .features import HotInput
from .heat import Heat, heat
from .index import HotIssueIndex
from .report import HotIssue, hot_issues

__all__ = ["Heat", "HotInput", "HotIssue", "HotIssueIndex", "heat", "hot_issues"]
