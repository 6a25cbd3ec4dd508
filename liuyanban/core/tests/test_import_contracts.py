"""The import direction between apps holds: the import-linter contracts in pyproject.toml.

Layers (docs/architecture.md): interfaces (web, api, demo) above analytics and campaigns,
above intelligence and supervision, above the lifecycle, notifications, accounts,
organizations, taxonomy and core. A module importing upwards breaks this test, with the
offending import named in the failure.
"""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

CHECK = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def test_import_contracts_are_kept() -> None:
    repo = settings.BASE_DIR
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
