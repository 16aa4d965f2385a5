"""Production settings: refuse to start without a secret, and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD_SECRET = "x7!Qp2#vLk9$Zr4@Wm8^Tn3&Bh6*Jd1(Fs5)Gc0-Ky7+Ue2=Oa9?Ri4"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a production
    # process never has it, and check --deploy rightly rejects it.
    inherited = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment.update({"DJANGO_SETTINGS_MODULE": "helpcenter.settings.production", **env})
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="help.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_manage("check", SECRET_KEY="short", ALLOWED_HOSTS="help.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_check_deploy():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="help.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_leaves_reply_mail_to_the_worker():
    code = "from forum import conf; print(conf.get('FORUM_NOTIFICATIONS_SEND_ON_COMMIT'))"
    result = run_manage("shell", "-c", code, SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="help.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
    opted_in = run_manage("shell", "-c", code, SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="help.example.com",
                          FORUM_NOTIFICATIONS_SEND_ON_COMMIT="true")
    assert opted_in.stdout.strip().splitlines()[-1] == "True"
