"""The web workbench in a real browser: Debian's chromium driven headless by Playwright,
against ``cfeval serve`` started on a free port, through the whole job on the Chengdu
sample (upload, the known data issues, score, a report's PDF, a batch started and
cancelled), in Chinese and in English.

Screenshots of every page at 1366×768 are written to ``reports/screenshots/web/`` for
people to look at. ``scripts/setup.sh`` installs chromium; without it (or without
Playwright) these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cfeval
from cfeval._paths import shipped_dir

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

ROOT = Path(__file__).resolve().parents[1]
# Every run writes its screenshots to build/screenshots/web/ (not tracked) for people to
# look at; CFEVAL_SCREENSHOTS=reports/screenshots/web refreshes the committed ones that
# README shows, so a test run never leaves the checkout changed.
SHOTS = ROOT / os.environ.get("CFEVAL_SCREENSHOTS", "build/screenshots/web")
SAMPLE = shipped_dir("sample_data") / "chengdu"
BROKEN = Path(__file__).parent / "fixtures" / "frameworks" / "broken" / "duplicate_id.yaml"
VIEW = {"width": 1366, "height": 768}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    src = str(Path(cfeval.__file__).resolve().parents[1])  # the code under test
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    env.pop("CFEVAL_WEB_PASSWORD", None)
    cmd = [sys.executable, "-m", "cfeval", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("cfeval serve stopped: " + proc.stdout.read().decode())
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("cfeval serve did not start")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def playwright():
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright, lang):
    # The browser's own words (file buttons) in the page's language, as on a user's machine.
    ui = "zh-CN" if lang == "zh" else "en-GB"
    # --no-sandbox: CI runs as root; --disable-dev-shm-usage: containers' /dev/shm is tiny.
    args = ["--no-sandbox", "--disable-dev-shm-usage", f"--lang={ui}"]
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    yield b
    b.close()


def _page(browser, server, lang: str):
    locale = "zh-CN" if lang == "zh" else "en-GB"
    context = browser.new_context(viewport=VIEW, accept_downloads=True, locale=locale)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/")
    if lang == "en":
        page.get_by_role("link", name="English").click()
    return page, errors


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


T = {
    "zh": {
        "use": "使用此框架",
        "read": "读取并检查",
        "score": "计算得分",
        "pdf": "下载 PDF",
        "all": "生成全部报告",
        "cancel": "取消",
        "cancelled": "已取消",
        "check": "检查并使用",
    },
    "en": {
        "use": "Use this framework",
        "read": "Read and check",
        "score": "Score the data",
        "pdf": "Download the PDF",
        "all": "Write all reports",
        "cancel": "Cancel",
        "cancelled": "cancelled",
        "check": "Check and use",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_whole_job_in_a_real_browser(browser, server, lang, tmp_path):
    t = T[lang]
    fw = cfeval.load_framework("chengdu-community")
    data = cfeval.load_data(fw, survey=SAMPLE / "survey.csv", audit=SAMPLE / "audit.csv")
    result = cfeval.score(fw, data)
    page, console_errors = _page(browser, server, lang)
    _shot(page, f"{lang}-home")

    # Frameworks: the shipped list, a tree, a broken upload with its line numbers.
    page.goto(server + "/frameworks")
    _shot(page, f"{lang}-frameworks")
    page.set_input_files("input[name=framework]", str(BROKEN))
    page.get_by_role("button", name=t["check"]).click()
    assert page.locator("#problems tbody tr").count() >= 1
    _shot(page, f"{lang}-framework-problems")
    page.goto(server + "/frameworks/chengdu-community")
    assert page.locator("li.indicator").count() == len(fw.indicators())
    _shot(page, f"{lang}-framework-tree")
    page.get_by_role("button", name=t["use"]).click()

    # Data: upload, the known issues, filter and sort.
    page.wait_for_url("**/data")
    page.set_input_files("input[name=survey_1]", str(SAMPLE / "survey.csv"))
    page.set_input_files("input[name=audit]", str(SAMPLE / "audit.csv"))
    page.get_by_role("button", name=t["read"]).click()
    rows = page.locator("#issues tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(data.report.issues)
    for code in ("out-of-range", "unknown-community", "not-a-number"):
        assert page.locator("#issues").get_by_text(code, exact=True).count() == 1
    page.fill("[data-filter-for=issues]", "out-of-range")
    assert page.locator("#issues tbody tr:visible").count() == 1
    page.fill("[data-filter-for=issues]", "")
    page.locator("[data-filter-for=issues]").blur()
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, f"{lang}-data")

    # Scores: the table, one community.
    page.goto(server + "/scores")
    # Wait for the page the button loads (a table from an earlier run may already be
    # showing), and for its script, before clicking a column head.
    with page.expect_navigation():
        page.get_by_role("button", name=t["score"]).click()
    page.wait_for_load_state("load")
    page.locator("#scores tbody tr").first.wait_for()
    assert page.locator("#scores tbody tr").count() == len(result.communities)
    head = page.locator("#scores th").nth(3)
    head.click()  # sort by score, ascending
    sync_api.expect(head).to_have_attribute("aria-sort", "ascending")
    lowest = result.communities.sort_values("score").iloc[0]
    first = page.locator("#scores tbody tr").first.locator("td").nth(3)
    sync_api.expect(first).to_have_text(f"{lowest['score']:.1f}")
    _shot(page, f"{lang}-scores")
    page.locator("#scores tbody tr").first.locator("a").click()
    page.wait_for_url("**/scores/community**")
    _shot(page, f"{lang}-community")

    page.goto(server + "/kit")
    _shot(page, f"{lang}-kit")

    # Reports: one community's PDF, then a batch started and cancelled.
    page.goto(server + "/reports")
    _shot(page, f"{lang}-reports")
    chosen = page.locator("select[name=community] option").first.inner_text()
    with page.expect_download(timeout=120_000) as download:
        page.locator("#one-report").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert chosen.split(" (")[0] in text
    page.get_by_role("button", name=t["all"]).click()
    page.locator("#job progress").wait_for()
    deadline = time.monotonic() + 180  # (the page's CSP forbids wait_for_function's eval)
    while page.locator("[data-job-done]").inner_text() == "0" and time.monotonic() < deadline:
        page.wait_for_timeout(300)
    _shot(page, f"{lang}-batch-running")
    page.get_by_role("button", name=t["cancel"]).click()
    page.locator("[data-job-state]", has_text=t["cancelled"]).wait_for(timeout=180_000)
    _shot(page, f"{lang}-batch-cancelled")

    page.goto(server + "/no-such-page")
    _shot(page, f"{lang}-error")
    assert "Traceback" not in page.content()
    # (a refused upload and the missing page answer 400/404: the browser logs those)
    assert [e for e in console_errors if "Failed to load resource" not in e] == []
    page.context.close()
