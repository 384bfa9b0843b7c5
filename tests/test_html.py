"""The HTML report in a real browser: headless Chromium loads the file, renders the property
table and the diagrams, and takes a screenshot. Skipped (never passed) without Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from detachcheck.cli import main

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    assert main(["check", "--release", "pike", "--reports", str(out), "--format", "json"]) == 0
    return out / "pike.html"


def test_page_is_self_contained(page):
    html = page.read_text()
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(http" not in html
    assert html.count("<svg") >= 10


@pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (make test installs Debian's chromium)")
def test_chromium_renders_table_and_diagrams(page, tmp_path):
    profile = tmp_path / "profile"
    common = [BROWSER, *FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*common, "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    rendered = re.search(r'data-rendered="rows:(\d+);sequence:(\d+);lifecycles:(\d+)"', dom)
    assert rendered, "the page's load script did not run"
    rows, sequences, diagrams = (int(x) for x in rendered.groups())
    html = page.read_text()
    assert rows == html.count("<tr>", 0, html.index('<h2>Counterexamples'))  # every table row is visible
    assert sequences == html.count('class="diagram sequence"') > 0
    assert diagrams >= 10
    shot = tmp_path / "page.png"
    subprocess.run([*common, "--window-size=1280,2000", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
