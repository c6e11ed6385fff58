"""`manage.py check --deploy` passes with the production settings the README gives."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_deploy_check_passes_with_the_production_variables():
    # given the README's production variables, HSTS for subdomains and preload included
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.django.base",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "crm.example.com",
        "DJANGO_SECURE_COOKIES": "true",
        "DJANGO_HSTS_SECONDS": "31536000",
        "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_HSTS_PRELOAD": "true",
        "DJANGO_SSL_REDIRECT": "true",
        "DJANGO_BEHIND_PROXY": "true",
    }
    for name in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the browser tests set the latter for themselves
        env.pop(name, None)

    # when
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert check.returncode == 0, check.stderr + check.stdout
