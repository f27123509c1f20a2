"""Bytes sent for a 12-megapixel camera photo, before and after it is shrunk on the tablet.

    python bench/photo_upload.py [--width 4000] [--height 3000] [--runs 3]

Makes a 4000×3000 JPEG as a tablet's camera would (shapes, soft edges, sensor noise: ~4 MB),
then in Debian's chromium (Playwright, headless) a page that loads the project's own
ui/static/ui/photos.js picks it in a file input and posts it twice as multipart form data, as the
case page's attachment form does: once as it is, once after `FqPhotos.shrink(file)`. Both
requests are answered by route interception (no server, no network); the bytes counted are the
request bodies chromium sent (`request.post_data_buffer`), multipart framing included. Also
prints the shrunk image's size in pixels and the time shrinking took on this machine's CPU (a
tablet is slower). Prints numbers only; asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, camera_photo  # noqa: E402  the tests' browser and photo

PHOTOS_JS = ROOT / "ui" / "static" / "ui" / "photos.js"
ORIGIN = "http://bench.invalid"

PAGE = """<!doctype html><meta charset="utf-8"><title>photo upload</title>
<input type="file" id="photo" accept="image/*,application/pdf" capture="environment">
<script src="/photos.js"></script>
<script>
async function send(file) {
  const data = new FormData();
  data.append("attachment-file", file, file.name);
  await fetch("/upload", {method: "POST", body: data});
}
window.run = async function () {
  const file = document.getElementById("photo").files[0];
  await send(file);
  const started = performance.now();
  const small = await FqPhotos.shrink(file);
  const ms = performance.now() - started;
  const bitmap = await createImageBitmap(small);
  await send(small);
  return {original: file.size, shrunk: small.size, ms: ms, width: bitmap.width, height: bitmap.height,
          type: small.type, name: small.name};
};
</script>"""




def measure(photo: bytes) -> dict:
    from playwright.sync_api import sync_playwright

    sent: list[int] = []

    def handle(route, request):
        if request.url.endswith("/photos.js"):
            route.fulfill(status=200, content_type="text/javascript", body=PHOTOS_JS.read_text())
        elif request.url.endswith("/upload"):
            sent.append(len(request.post_data_buffer or b""))
            route.fulfill(status=204, body="")
        else:
            route.fulfill(status=200, content_type="text/html", body=PAGE)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", handle)
        page.goto(f"{ORIGIN}/")
        page.set_input_files("#photo", files=[{"name": "IMG_20261202_101500.jpg", "mimeType": "image/jpeg",
                                                "buffer": photo}])
        result = page.evaluate("window.run()")
        browser.close()
    result["sent_before"], result["sent_after"] = sent
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    photo = camera_photo(args.width, args.height)
    runs = [measure(photo) for _ in range(args.runs)]
    first = runs[0]
    print(f"photo: {args.width}×{args.height} JPEG ({args.width * args.height / 1e6:.1f} MP), {len(photo):,} bytes")
    print(f"{'':28}{'bytes sent':>14}{'file bytes':>14}")
    print(f"{'before (as taken)':28}{first['sent_before']:>14,}{first['original']:>14,}")
    print(f"{'after FqPhotos.shrink':28}{first['sent_after']:>14,}{first['shrunk']:>14,}")
    print(f"shrunk to {first['width']}×{first['height']} {first['type']} ({first['name']}); "
          f"{first['sent_after'] / first['sent_before']:.1%} of the bytes, "
          f"{first['sent_before'] / first['sent_after']:.1f}× fewer")
    print(f"shrinking took {statistics.median(r['ms'] for r in runs):.0f} ms (median of {len(runs)}, this machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
