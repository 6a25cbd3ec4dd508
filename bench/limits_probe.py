"""Limits probe: the issue-12 attacks on rate limits, against the production stack.

    nice -n 10 .venv/bin/python bench/limits_probe.py --port 8250 \\
        --database postgres://postgres@127.0.0.1:5432/lyb_limits_bench [--root DIR]

Kind of evidence: synthetic attacks on this machine (no real traffic).

Drops and recreates the database, migrates it, collects static files, builds the test
world (liuyanban/testing/world.py), then starts granian as production does (WSGI,
2 workers, 4 threads each, DEBUG off, PostgreSQL, no Redis: the limits count in the
database) behind an imagined proxy (``TRUSTED_PROXY_COUNT=1``: the last
X-Forwarded-For entry is the client). It then runs, and prints the figures of:

1. 100 concurrent wrong-password logins for one account from one client address, the
   right password among them: how many were evaluated (200 "wrong" or 302), refused
   (429), and whether the right password got in (limit: 5 evaluated per account).
2. The account's owner, from another address, right after: refused (a delay), and
   after the announced Retry-After: logged in (a stranger cannot lock them out).
3. 20 concurrent REST submissions by one citizen with a daily limit of 10: accepted.
4. 1,400 anonymous REST requests with a limit of 200 per hour, each with a random
   client-written X-Forwarded-For entry before the proxy's: allowed (both workers
   count in one store, and the forged entries are ignored).

``--root`` runs the same probe against another checkout (e.g. an old commit exported
with ``git archive``) to compare; settings it does not know are ignored there.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent.parent
ATTACKER, OWNER, PROXY = "203.0.113.9", "198.51.100.7", "192.0.2.1"
PASSWORD = "pw-alice"


def environment(database: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database,
            "LIUYANBAN_ENV": "production",
            "DEBUG": "0",
            "SECRET_KEY": "limits-probe-" + "x" * 40,
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TASKS_BACKEND": "immediate",
            "EMAIL_URL": "locmem",
            "MESSAGES_PER_AUTHOR_PER_DAY": "10",
            "MESSAGES_PER_IP_PER_HOUR": "1000000",
            "API_RATE": "200/h",
            "TRUSTED_PROXY_COUNT": "1",
            "LIUYANBAN_VAR": f"/tmp/lyb-limits-probe-{port}",
            "LOG_LEVEL": "ERROR",
            # The limits as settings too, for checkouts that do not read them from the
            # environment (an old commit): see probe_settings below.
            "DJANGO_SETTINGS_MODULE": "probe_settings",
        }
    )
    env.pop("REDIS_URL", None)
    return env


PROBE_SETTINGS = """from liuyanban.settings import *  # noqa: F403
LIUYANBAN = {**LIUYANBAN, "API_RATE": "200/h", "MESSAGES_PER_AUTHOR_PER_DAY": 10,
             "MESSAGES_PER_IP_PER_HOUR": 1000000}  # noqa: F405
"""


def python_path(env: dict[str, str], root: Path) -> str:
    """The checkout, and the directory holding ``probe_settings``."""
    var = Path(env["LIUYANBAN_VAR"])
    var.mkdir(parents=True, exist_ok=True)
    (var / "probe_settings.py").write_text(PROBE_SETTINGS)
    return f"{root}:{var}"


SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
from liuyanban.api.models import ApiToken
from liuyanban.testing.world import build_world
world = build_world()
print("TOKEN", ApiToken.issue(user=world.bob, name="probe")[1])
print("USERNAME", world.alice.username)
"""


def prepare(database: str, env: dict[str, str], root: Path) -> dict[str, str]:
    name = database.rsplit("/", 1)[1]
    base = database.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", base, "-qc", sql], check=True)
    out = subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=root,
        env={**env, "PYTHONPATH": python_path(env, root)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def start_server(env: dict[str, str], port: int, root: Path) -> subprocess.Popen[bytes]:
    granian = str(Path(sys.executable).with_name("granian"))
    argv = [
        granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "2", "--blocking-threads", "4", "liuyanban.wsgi:application",
    ]  # fmt: skip
    proc = subprocess.Popen(
        argv,
        cwd=root,
        env={**env, "PYTHONPATH": python_path(env, root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _i in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/kinds", timeout=10)
            return proc
        except requests.RequestException:
            time.sleep(0.5)
    os.killpg(proc.pid, 9)
    raise SystemExit("granian did not start")


class Login:
    """A login form: one CSRF cookie and token, reused (the cookie is Secure in production)."""

    def __init__(self, base: str) -> None:
        self.url = base + "/accounts/login/"
        page = requests.get(self.url, headers={"X-Forwarded-For": PROXY}, timeout=30)
        self.cookie = page.cookies["csrftoken"]
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, "no CSRF token on the login page"
        self.token = match.group(1)

    def attempt(self, username: str, password: str, client: str) -> requests.Response:
        return requests.post(
            self.url,
            data={"username": username, "password": password, "csrfmiddlewaretoken": self.token},
            headers={
                "Cookie": f"csrftoken={self.cookie}",
                "X-Forwarded-For": f"{client}",
                "Referer": self.url,
            },
            allow_redirects=False,
            timeout=60,
        )


def outcome(response: requests.Response) -> str:
    if response.status_code == 302:
        return "in"
    if response.status_code == 429:
        return "refused"
    if response.status_code == 200 and "账号或密码不正确" in response.text:
        return "wrong"
    return f"other-{response.status_code}"


def run(base: str, info: dict[str, str]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    login = Login(base)
    username = info["USERNAME"]
    guesses = [f"wrong-{n}" for n in range(99)] + [PASSWORD]
    random.Random(12).shuffle(guesses)
    barrier = threading.Barrier(100)

    def guess(password: str) -> str:
        barrier.wait()
        return outcome(login.attempt(username, password, ATTACKER))

    with ThreadPoolExecutor(100) as pool:
        results = list(pool.map(guess, guesses))
    figures["logins: evaluated of 100"] = results.count("wrong") + results.count("in")
    figures["logins: refused (429)"] = results.count("refused")
    figures["logins: right password got in"] = results.count("in") > 0
    figures["logins: other answers"] = len([r for r in results if r.startswith("other")])

    owner = login.attempt(username, PASSWORD, OWNER)
    figures["owner right after: status"] = owner.status_code
    wait = int(owner.headers.get("Retry-After", "0") or 0)
    figures["owner: announced wait (s)"] = wait
    if owner.status_code == 429 and wait:
        time.sleep(wait + 1)
        figures["owner after the wait: status"] = login.attempt(
            username, PASSWORD, OWNER
        ).status_code

    token = info["TOKEN"]
    body = {
        "board": "990101-head",
        "domain": "urban",
        "kind": "complaint",
        "title": "东区幸福路路灯长期不亮",
        "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全，请尽快修复。",
    }
    barrier20 = threading.Barrier(20)

    def submit(n: int) -> int:
        barrier20.wait()
        return requests.post(
            base + "/api/v1/messages",
            json={**body, "title": f"{body['title']}{n}"},
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": f"10.0.{n}.1"},
            timeout=120,
        ).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(submit, range(20)))
    figures["submissions: accepted of 20 (limit 10)"] = codes.count(201)
    figures["submissions: refused (429)"] = codes.count(429)

    rng = random.Random(7)

    def anonymous(_n: int) -> int:
        forged = ".".join(str(rng.randrange(1, 255)) for _i in range(4))
        return requests.get(
            base + "/api/v1/kinds",
            headers={"X-Forwarded-For": f"{forged}, {PROXY}"},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        api = list(pool.map(anonymous, range(1400)))
    figures["api: allowed of 1400 (limit 200/h, forged XFF, 2 workers)"] = api.count(200)
    figures["api: refused (429)"] = api.count(429)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8250)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/lyb_limits_bench")
    parser.add_argument("--root", type=Path, default=HERE, help="checkout to run")
    args = parser.parse_args()
    env = environment(args.database, args.port)
    print(f"kind of evidence: synthetic attacks on this machine; code under test: {args.root}")
    info = prepare(args.database, env, args.root)
    server = start_server(env, args.port, args.root)
    try:
        figures = run(f"http://127.0.0.1:{args.port}", info)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
