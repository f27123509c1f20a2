"""Safe defaults: the settings a newcomer gets without setting anything (issue 10, point 9)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.processes import ROOT

PROBE = ("import json, django; django.setup(); from django.conf import settings; "
         "print(json.dumps({'DEBUG': settings.DEBUG, 'ALLOWED_HOSTS': settings.ALLOWED_HOSTS}))")


def settings_of(module: str, **env: str) -> dict:
    """DEBUG and ALLOWED_HOSTS of a settings module, loaded in a fresh process with only `env` set."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.update(DJANGO_SETTINGS_MODULE=module, **env)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_debug_is_off_unless_asked_for():
    # given no DJANGO_DEBUG; then the embedded default runs with DEBUG off
    assert settings_of("config.settings.base")["DEBUG"] is False
    # given DJANGO_DEBUG=1; then DEBUG is on
    assert settings_of("config.settings.base", DJANGO_DEBUG="1")["DEBUG"] is True
    # and production stays off whatever is asked
    assert settings_of("config.settings.production", DJANGO_SECRET_KEY="x" * 60, DJANGO_DEBUG="1")["DEBUG"] is False


def test_testserver_is_not_a_default_host_outside_the_tests():
    # given no DJANGO_ALLOWED_HOSTS
    for module, env in [("config.settings.base", {}), ("config.settings.production", {"DJANGO_SECRET_KEY": "x" * 60})]:
        hosts = settings_of(module, **env)["ALLOWED_HOSTS"]
        # then the loopback names are served, Django's test client's host is not
        assert "127.0.0.1" in hosts and "localhost" in hosts
        assert "testserver" not in hosts, module
