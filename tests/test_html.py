"""The HTML report, checked in a real browser: headless Chromium from Debian's packages (installed by .ci/run)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT, SHARED

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = ROOT / "tests" / "screenshots"  # git-ignored; look at them after a run


def _browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = "Chromium and chromedriver are not installed (bash .ci/run installs Debian's chromium, chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1280,900"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


@pytest.fixture(scope="module")
def browser():
    driver = _browser()
    yield driver
    driver.quit()


def _report(trained_model, tmp_path, inputs):
    html, js = tmp_path / "report.html", tmp_path / "report.jsonl"
    for fmt, out in (("html", html), ("jsonl", js)):
        r = subprocess.run([sys.executable, "-m", "classifier", "tag", *map(str, inputs), "--model", str(trained_model),
                            "--format", fmt, "-o", str(out)], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, r.stderr
    return html, [json.loads(x) for x in js.read_text(encoding="utf-8").splitlines()]


def _inputs():
    seeds = SHARED / "seeds"
    return sorted(seeds.glob("*.txt")) if seeds.is_dir() else [FIXTURES / "traps.txt", FIXTURES / "page.txt"]


def test_report_in_chromium(browser, trained_model, tmp_path):
    from selenium.webdriver.common.by import By

    html, dumps = _report(trained_model, tmp_path, _inputs())
    page = html.read_text(encoding="utf-8")
    assert "http://" not in page.split("<main>")[0] and "<link" not in page and "<script src" not in page
    browser.get(html.as_uri())
    lines = browser.find_elements(By.CSS_SELECTOR, ".line")
    labeled = sum(len({n for b in d["blocks"] for n in range(b["start_line"], b["end_line"] + 1)}) for d in dumps)
    assert len(lines) <= labeled and len(lines) > 0
    n_comm = sum(1 for d in dumps for b in d["blocks"] if b["label"] == "commentary")
    commentary = browser.find_elements(By.CSS_SELECTOR, ".line.commentary")
    assert len(commentary) >= n_comm > 0
    score = commentary[0].get_attribute("title")
    assert re.fullmatch(r"commentary score [01]\.\d{3}", score) and float(score.split()[-1]) > 0.5
    rows = browser.find_elements(By.CSS_SELECTOR, "#summary tbody tr")
    assert len(rows) == len(dumps)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".post")) == len(dumps)
    assert browser.find_elements(By.CSS_SELECTOR, ".tags.suggested .t.sug")
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "report.png"))
    browser.find_element(By.ID, "only-commentary").click()
    visible = [e for e in browser.find_elements(By.CSS_SELECTOR, ".line") if e.is_displayed()]
    assert visible and all("commentary" in e.get_attribute("class").split() for e in visible)
    assert len(visible) == len(commentary)
    browser.save_screenshot(str(SCREENSHOTS / "report-commentary-only.png"))
    assert (SCREENSHOTS / "report.png").stat().st_size > 10_000


def test_parse_html_has_no_suggestions(browser, tmp_path):
    from selenium.webdriver.common.by import By

    out = tmp_path / "parse.html"
    r = subprocess.run([sys.executable, "-m", "classifier", "parse", str(FIXTURES / "traps.txt"), "--format", "html",
                        "-o", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    browser.get(out.as_uri())
    assert browser.find_elements(By.CSS_SELECTOR, ".tags.existing .t")
    assert not browser.find_elements(By.CSS_SELECTOR, ".tags.suggested")
    assert browser.find_element(By.CSS_SELECTOR, "#summary tbody tr td a").text.endswith("traps.txt")


def test_evidence_shows_when_a_line_or_a_tag_is_clicked(browser, trained_model, tmp_path):
    from selenium.webdriver.common.by import By

    out = tmp_path / "explained.html"
    r = subprocess.run([sys.executable, "-m", "classifier", "tag", str(FIXTURES / "traps.txt"), "--model",
                        str(trained_model), "--explain", "--format", "html", "-o", str(out)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    browser.get(out.as_uri())
    line = browser.find_elements(By.CSS_SELECTOR, ".line.commentary.has-evidence")[0]
    evidence = line.find_element(By.CSS_SELECTOR, ".evidence")
    assert not evidence.is_displayed()
    line.click()
    assert evidence.is_displayed() and "why: rules" in evidence.text and "model p=" in evidence.text
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "evidence-line.png"))
    tag = browser.find_elements(By.CSS_SELECTOR, ".t.sug.has-evidence")[0]
    tag.click()
    shown = tag.find_element(By.CSS_SELECTOR, ".evidence")
    assert shown.is_displayed() and "why #" in shown.text
    browser.save_screenshot(str(SCREENSHOTS / "evidence-tag.png"))
