"""Benchmark settings: the base configuration plus the bare baseline view, never shipped.

The bare view (`bench.bareapp`) and its URL exist only here (and, for the notification
latency benchmark, `bench.commitstamp`), so the production URLconf and
schema are untouched. DEBUG is off (as in production: no query log kept per request).
Passwords hash with MD5 only to make loading the demo users fast; every measured request
authenticates by token, which hashes nothing.
"""
from config.settings.base import *  # noqa: F403
from config.settings.base import INSTALLED_APPS, env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
INSTALLED_APPS = [*INSTALLED_APPS, "bench.bareapp"]
if env_bool("BENCH_STAMP_COMMITS", False):  # bench/notify_latency.py: commit moments on pushes
    INSTALLED_APPS.append("bench.commitstamp")
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The state digest of each event (casework.record) can be switched off here only, to measure what
# it costs: BENCH_AUDIT_STATE_DIGEST=0 gives the "before" figures in the same run.
AUDIT_STATE_DIGEST = env_bool("BENCH_AUDIT_STATE_DIGEST", True)
