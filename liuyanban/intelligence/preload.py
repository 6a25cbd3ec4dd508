"""What a forking task worker loads once before it forks (``manage.py run_worker`` with RQ).

The classifier's module brings scikit-learn, SciPy and pandas; the web server never
imports it (``classification`` loads it on first use), but each RQ job runs in a
fresh child, which would otherwise import them again per job.
"""

from . import classifier  # noqa: F401
