"""How fast the ask page feels, in headless Chromium on the demo organisation.

Measures, over 20 labelled demo questions typed into the search box:
- keystroke to rendered results after the 250 ms debounce: from the last keyup, minus the debounce, to the
  first animation frame after htmx swapped the results in (median, and the finder's own time on the same
  questions measured right after, in the same process, for comparison);
- the ask page's transferred weight (bytes on the wire, compressed, headers included) with an empty
  browser cache: the home page, and a results page.

Run: .venv/bin/python -m benchmarks.ui_speed [--data DIR] [--runs 20]
(without --data the demo organisation is imported into a temporary folder first, about a minute).
Needs Debian's chromium (/usr/bin/chromium); never downloads a browser.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEBOUNCE_MS = 250
LISTENERS = """
() => {
  window.__t = {};
  document.addEventListener('keyup', () => { window.__t.key = performance.now(); }, true);
  document.body.addEventListener('htmx:beforeRequest', () => { window.__t.request = performance.now(); });
  document.body.addEventListener('htmx:afterSwap', (e) => {
    if (e.detail.target.id !== 'results') return;
    const swapped = performance.now();
    requestAnimationFrame(() => { window.__t.swapped = swapped; window.__t.painted = performance.now(); });
  });
}
"""


def questions(n: int) -> list[str]:
    from web.cli import DEMO_DIR

    found = []
    for path in sorted(DEMO_DIR.glob("questions_*.jsonl")):
        found += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    short = [q for q in found if len(q) <= 120]  # typed questions, not pasted paragraphs
    step = max(1, len(short) // n)
    return short[::step][:n]


class Server:
    def __init__(self, services):
        import uvicorn

        from web.app import create_app

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def signed_in(browser, base: str, services) -> dict:
    """A browser state with a session cookie: every page needs an account."""
    from web.security import hash_password

    password = "ui-speed-password"
    if services.store.user_by_name("ui-speed") is None:
        services.store.create_user("ui-speed", hash_password(password), "employee", None)
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", "ui-speed")
    page.fill("#password", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(base + "/")
    state = context.storage_state()
    context.close()
    return state


def transferred(browser, url: str, state: dict) -> tuple[int, dict[str, int]]:
    """Bytes on the wire for one page load with an empty cache, in total and per resource."""
    context = browser.new_context(storage_state=state)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls, sizes = {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(url, wait_until="networkidle")
    context.close()
    per = {urls.get(rid, rid).split("/", 3)[-1] or "/": size for rid, size in sizes.items()}
    return sum(sizes.values()), per


def wait_for_paint(page, timeout: float = 30.0) -> dict:
    """Poll from outside the page: the app's Content-Security-Policy forbids the eval that
    Playwright's wait_for_function needs, and it should stay on while we measure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = page.evaluate("window.__t")
        if "painted" in t and t.get("request", 0) > t.get("key", 0):
            return t
        time.sleep(0.01)
    raise TimeoutError("the results never rendered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a data folder holding the demo organisation")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from models.settings import Settings
    from web.services import Services

    data = args.data
    if data is None or not (data / "knowhow.db").exists():
        from indexer.importer import import_files
        from web.cli import demo_files

        data = data or Path(tempfile.mkdtemp(prefix="knowhow-ui-"))
        print(f"importing the demo organisation into {data} ...", flush=True)
        import_files(Services(Settings(data=data)).indexer, demo_files())
    services = Services(Settings(data=data))
    asked = questions(args.runs)

    with Server(services) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        state = signed_in(browser, base, services)
        home_bytes, home_parts = transferred(browser, base + "/", state)
        results_bytes, _ = transferred(browser, base + "/?q=" + "how+do+I+connect+to+the+vpn", state)

        page = browser.new_page(viewport={"width": 1280, "height": 900}, storage_state=state)
        page.goto(base + "/")
        page.evaluate(LISTENERS)
        box = page.get_by_label("Your question")
        box.press_sequentially("warm up")
        wait_for_paint(page)
        after_debounce, request_to_paint = [], []
        for q in asked:
            box.fill("")
            page.evaluate("window.__t = {}")
            box.press_sequentially(q, delay=20)
            t = wait_for_paint(page)
            after_debounce.append(t["painted"] - t["key"] - DEBOUNCE_MS)
            request_to_paint.append(t["painted"] - t["request"])
        browser.close()

    # The same questions straight through the finder, in a fresh Services so the embedder's query cache
    # (filled by the browser run) does not flatter it.
    direct = Services(Settings(data=data))
    direct.finder.ask("warm up", log=False)
    finder_ms = []
    for q in asked:
        start = time.perf_counter()
        direct.finder.ask(q, k=10, experts=5, source="web", log=False)
        finder_ms.append((time.perf_counter() - start) * 1000)

    def med(values: list[float]) -> str:
        return f"{statistics.median(values):6.1f} ms (min {min(values):.1f}, max {max(values):.1f})"

    print(f"questions typed: {len(asked)}")
    print(f"finder.ask alone (server side, same questions, no HTTP): median {med(finder_ms)}")
    print(f"keystroke -> rendered results, after the {DEBOUNCE_MS} ms debounce: median {med(after_debounce)}")
    print(f"htmx request sent -> results painted:               median {med(request_to_paint)}")
    print(f"ask page transferred, empty cache: {home_bytes / 1024:.1f} KB "
          + "(" + ", ".join(f"{name} {size / 1024:.1f} KB" for name, size in sorted(home_parts.items())) + ")")
    print(f"results page (/?q=...) transferred, empty cache: {results_bytes / 1024:.1f} KB")


if __name__ == "__main__":
    main()
