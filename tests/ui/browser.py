"""Driving Debian's chromium through Playwright (never `playwright install`): the launch
options, signing in, and running ORM code beside Playwright's event loop."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Screenshots the browser tests keep for people to look at (git-ignored).
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts"))


def orm(fn):
    """Run database code beside Playwright's event loop (Django refuses the ORM inside one)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def sign_in(browser, site: str, username: str | None, *, viewport: dict | None = None, init_scripts=(), **options):
    """A page in a fresh context (zh-CN; 1024×768 unless `viewport`), signed in as `username`, or
    anonymous for None. `init_scripts` run in every document before the page's own: a str is a
    script, a Path a file (e.g. the vendored axe-core), the way the CSP does not govern."""
    context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1024, "height": 768}, **options)
    for script in init_scripts:
        context.add_init_script(path=str(script)) if isinstance(script, Path) else context.add_init_script(script)
    page = context.new_page()
    if username:
        page.goto(site + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "fengqiao-demo")
        page.click("main button[type=submit]")  # the header has its own forms (language, text size)
        page.wait_for_load_state()
    return page


def keep_screenshot(page, name: str) -> None:
    """The whole page as a PNG in test-artifacts/, for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def camera_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel JPEG as a tablet's camera makes it: shapes, soft edges and sensor noise (~4 MB),
    the same bytes every run."""
    import io
    import random

    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(12)
    scene = Image.new("RGB", (width, height), (150, 170, 190))
    draw = ImageDraw.Draw(scene)
    for _ in range(300):
        x, y = rnd.randrange(width), rnd.randrange(height)
        draw.rectangle([x, y, x + rnd.randrange(40, 900), y + rnd.randrange(40, 600)],
                       fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    scene = scene.filter(ImageFilter.GaussianBlur(3))
    noise = Image.frombytes("RGB", (width, height), rnd.randbytes(width * height * 3))
    out = io.BytesIO()
    Image.blend(scene, noise, 0.12).save(out, "JPEG", quality=92)
    return out.getvalue()


def whole_app(http=None):
    """The application as `serve` runs it — HTTP with its static files, and the WebSocket — for a
    LiveASGIServer; `http` wraps the HTTP side (e.g. to count requests)."""
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application, django_asgi_app

    pages = ASGIStaticFilesHandler(django_asgi_app)
    return ProtocolTypeRouter({**application.application_mapping, "http": http(pages) if http else pages})
