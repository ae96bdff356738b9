"""The docs site as built by ``mkdocs build --strict``, and as a browser shows it.

The site is built once per session into a temporary directory. Without a browser: the API
reference holds every public name, the operations page every operation, and no page of it has a
broken internal link. In a real headless Chromium (Debian's ``chromium``; skipped, saying so,
where it is not installed): the home page and an API page render (screenshots into the test's
temporary directory), every navigation link answers, and the search finds a known term.
"""

from __future__ import annotations

import fcntl
import functools
import html.parser
import http.server
import importlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import light_client
from light_client import operation_index
from tests.conftest import ROOT

# Debian's package, or Google's build (GitHub's runner images have it).
CHROMIUM = next(
    filter(None, map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])), None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="the docs site is checked in a real browser: install Chromium to run this test "
    "(Debian: apt-get install chromium; CI's .ci/run installs it)",
)


# Where the site is published (mkdocs.yml's site_url): its path prefixes absolute links.
SITE_PATH = urllib.parse.urlsplit(
    yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["site_url"]
).path


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built as ``make docs`` builds it (``--strict``: any warning fails)."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def public_modules() -> list[ModuleType]:
    """``light_client`` and every public module under it (no ``_`` in the name), recursively."""
    found = [light_client]
    for info in pkgutil.walk_packages(light_client.__path__, "light_client."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(importlib.import_module(info.name))
    return found


def inventory(site: Path) -> set[str]:
    """The names mkdocstrings documented: the site's ``objects.inv`` (Sphinx's format)."""
    data = (site / "objects.inv").read_bytes()
    body = zlib.decompress(data.split(b"\n", 4)[4]).decode()
    return {line.split(" ", 1)[0] for line in body.splitlines()}


def test_the_reference_documents_every_public_name(site: Path) -> None:
    documented = inventory(site)
    modules = public_modules()
    assert {module.__name__ for module in modules} >= {
        "light_client.models",
        "light_client.testing",
        "light_client.mock",
        "light_client.resources.customers",
    }
    missing = [
        f"{module.__name__}.{name}"
        for module in modules
        for name in getattr(module, "__all__", ())
        if f"{module.__name__}.{name}" not in documented
    ]
    assert missing == []
    assert "light_client.LightClient.with_options" in documented
    assert "light_client.resources.customers.AsyncCustomers.update" in documented


def test_the_operations_page_lists_every_operation(site: Path) -> None:
    page = (site / "operations" / "index.html").read_text(encoding="utf-8")
    for operation_id, method in operation_index().items():
        assert f"<code>{operation_id}</code>" in page
        assert f"<code>light.{method}</code>" in page


class Links(html.parser.HTMLParser):
    """The links (``href``, ``src``) and the element ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in {"href", "src"} and value:
                self.links.append(value)


def parsed(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> tuple[int, list[str]]:
    """How many internal links the site's pages have, and those whose target (the file, and
    the element its ``#fragment`` names) is missing."""
    pages = {page: parsed(page) for page in site.rglob("*.html")}
    checked, broken = 0, []
    for page, links in pages.items():
        for link in links.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "data:")):
                continue  # external
            checked += 1
            path = urllib.parse.unquote(url.path)
            if path.startswith("/"):  # absolute, as on the published site (the 404 page)
                if not path.startswith(SITE_PATH):
                    broken.append(f"{page.relative_to(site)}: {link}")
                    continue
                target = (site / path.removeprefix(SITE_PATH)).resolve()
            else:
                target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: {link}"
            if not target.is_file() or not target.resolve().is_relative_to(site.resolve()):
                broken.append(where)
            elif url.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parsed(target).ids
                if urllib.parse.unquote(url.fragment) not in ids:
                    broken.append(where)
    return checked, broken


def test_no_internal_link_is_broken(site: Path) -> None:
    checked, broken = broken_links(site)
    assert checked > 1_000  # every page's navigation, table of contents and cross-references
    assert broken == []


def test_the_link_check_sees_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<a href="missing/">x</a> <a href="#here">y</a> <a href="#nowhere">z</a>'
        '<p id="here"></p> <a href="https://example.com/">external</a>',
        encoding="utf-8",
    )
    assert broken_links(tmp_path) == (3, ["index.html: missing/", "index.html: #nowhere"])
    (tmp_path / "index.html").write_text(
        f'<a href="{SITE_PATH}index.html">in</a> <a href="/elsewhere/">out</a>', encoding="utf-8"
    )
    assert broken_links(tmp_path) == (2, ["index.html: /elsewhere/"])


def test_the_search_index_holds_the_guides(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    texts = " ".join(doc["title"] + " " + doc["text"] for doc in index["docs"])
    assert "idempotency" in texts and "light_mock_client" in texts
    assert {doc["location"].split("#")[0] for doc in index["docs"]} >= {
        "",
        "quickstart/",
        "reference/client/",
    }


# --- In a real browser ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def served(site: Path) -> Iterator[str]:
    """The site on a loopback port, as a web server would serve it; its base URL."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def chromium(url: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on ``url`` with a fresh profile (and no sandbox: CI runs as root)."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1280,1600",
        *arguments,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def screenshot(url: str, path: Path, profile: Path) -> bytes:
    chromium(url, profile, f"--screenshot={path}")
    image = path.read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert (width, height) == (1280, 1600)
    assert len(image) > 20_000  # a rendered page, not a blank one
    return image


def dom(url: str, profile: Path) -> str:
    """The page's DOM once its scripts ran (virtual time: the search worker answers too)."""
    return chromium(url, profile, "--virtual-time-budget=10000", "--dump-dom").stdout


@needs_chromium
def test_the_home_page_renders(served: str, tmp_path: Path) -> None:
    screenshot(served, tmp_path / "home.png", tmp_path / "profile")
    page = dom(served, tmp_path / "profile")
    assert "light-inc: the Python SDK for Light" in page
    assert 'class="md-nav__link' in page  # Material's navigation, drawn by the theme
    assert "pip install 'light-inc[mock]'" in page.replace("&#39;", "'")


@needs_chromium
def test_an_api_page_renders(served: str, tmp_path: Path) -> None:
    url = served + "reference/client/"
    screenshot(url, tmp_path / "api.png", tmp_path / "profile")
    page = dom(url, tmp_path / "profile")
    assert 'id="light_client.LightClient"' in page
    assert 'id="light_client.LightClient.with_options"' in page
    assert "One instance holds one connection pool" in page  # LightClient's docstring


@needs_chromium
def test_every_navigation_link_answers(served: str, tmp_path: Path) -> None:
    links = Links()
    links.feed(dom(served, tmp_path / "profile"))
    pages = {
        urllib.parse.urljoin(served, link).split("#")[0]
        for link in links.links
        if not urllib.parse.urlsplit(link).scheme
        and not link.startswith("#")
        and not link.endswith((".css", ".js", ".png", ".svg", ".ico"))
    }
    assert len(pages) >= 25  # every guide and reference page is in the navigation
    for page in sorted(pages):
        with urllib.request.urlopen(page, timeout=10) as answer:
            assert answer.status == 200, page
            assert b"<title>" in answer.read()


def above_4(fd: int) -> int:
    """``fd`` moved to a number above 4 (so that moving it onto 3 or 4 clobbers nothing)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class DevTools:
    """Headless Chromium driven over the DevTools protocol, through the pipe it offers
    (``--remote-debugging-pipe``: it reads commands on fd 3 and answers on fd 4, each message
    JSON ended by NUL), so no WebSocket client or browser driver is needed."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        commands_read, answers_write = above_4(commands_read), above_4(answers_write)
        # bash puts the two pipes on fds 3 and 4 for Chromium (no preexec_fn: the test runs
        # threads, and forking a threaded process to run Python in the child is unsafe).
        moved = (
            f'exec "$0" "$@" 3<&{commands_read} 4>&{answers_write} '
            f"{commands_read}<&- {answers_write}>&-"
        )
        self._process = subprocess.Popen(
            [
                "bash",
                "-c",
                moved,
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(commands_read, answers_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(answers_write)
        self._last_id = 0
        self._buffer = b""
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(target for target in targets if target["type"] == "page")
        attached = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        self._session: str | None = attached["sessionId"]

    def send(self, method: str, **params: Any) -> Any:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params}
        if getattr(self, "_session", None):
            message["sessionId"] = self._session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._answers, 65536)
                assert chunk, "Chromium closed its DevTools pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._last_id:
                assert "error" not in answer, answer["error"]
                return answer["result"]

    def evaluate(self, expression: str) -> Any:
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)[
            "result"
        ].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
            time.sleep(0.1)
        return value

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)
        os.close(self._commands)
        os.close(self._answers)


TYPE_A_SEARCH = """(() => {
    const input = document.querySelector('[data-md-component="search-query"]');
    input.focus();
    input.value = 'idempotency';
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new KeyboardEvent('keyup', {key: 'y', bubbles: true}));
})()"""


@needs_chromium
def test_the_search_finds_a_known_term(served: str, tmp_path: Path) -> None:
    browser = DevTools(tmp_path / "profile")
    try:
        browser.send("Page.navigate", url=served)
        browser.wait_for("document.readyState === 'complete'")
        browser.evaluate(TYPE_A_SEARCH)  # as a reader types into Material's search box
        browser.wait_for("document.querySelectorAll('.md-search-result__item').length")
        meta = browser.evaluate("document.querySelector('.md-search-result__meta').textContent")
        found = browser.evaluate(
            "[...document.querySelectorAll('.md-search-result__item a')].map(a => a.href)"
        )
    finally:
        browser.close()
    assert re.fullmatch(r"\d+ matching documents", meta), meta
    assert found and all(link.startswith(served) for link in found)
    for link in found[:3]:
        with urllib.request.urlopen(link, timeout=10) as answer:
            assert answer.status == 200, link
