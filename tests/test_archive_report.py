"""`classifier report`: the archive's page, checked in headless Chromium (see test_html.py), and its edges."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from .conftest import CORPUS, ROOT
from .test_html import SCREENSHOTS, browser  # noqa: F401  (the module's Chromium fixture)

CORPUS2 = ROOT / "training" / "corpus2"
CHARTS = ("chart-commentary", "chart-outlets", "chart-accounts", "chart-post-tags", "chart-section-tags",
          "chart-cooccurrence")


def run(*args):
    return subprocess.run([sys.executable, "-m", "classifier", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def db(trained_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "archive.sqlite"
    out = run("index", CORPUS, CORPUS2, "--db", path, "--model", trained_model, "--quiet")
    assert out.returncode == 0, out.stderr
    return path


@pytest.fixture(scope="module")
def page(db):
    html = db.parent / "archive.html"
    out = run("report", "--db", db, "-o", html)
    assert out.returncode == 0, out.stderr
    return html


def test_the_page_is_self_contained_and_the_same_each_time(db, page, tmp_path):
    text = page.read_text(encoding="utf-8")
    assert "<link" not in text and "<script" not in text and " src=" not in text and "url(http" not in text
    assert text.count("<svg") == len(CHARTS)
    again = tmp_path / "again.html"
    assert run("report", "--db", db, "-o", again).returncode == 0
    assert again.read_bytes() == page.read_bytes()


def test_report_in_chromium(browser, db, page):  # noqa: F811
    from selenium.webdriver.common.by import By

    conn = sqlite3.connect(db)
    browser.set_window_size(1280, 900)
    browser.get(page.as_uri())
    for ident in CHARTS:
        figure = browser.find_element(By.ID, ident)
        svg = figure.find_element(By.TAG_NAME, "svg")
        assert svg.is_displayed() and svg.size["width"] > 300 and svg.size["height"] > 150, ident
    words = lambda ident: " ".join(t.get_attribute("textContent") for t in  # noqa: E731
                                   browser.find_elements(By.CSS_SELECTOR, f"#{ident} svg text"))
    assert "@nhk_news" in words("chart-outlets") and "NHKニュース" in words("chart-outlets")
    opinion = conn.execute("SELECT handle FROM sources WHERE NOT is_outlet").fetchall()
    assert any(f"@{h}" in words("chart-accounts") for (h,) in opinion)
    assert "#反ロシア" in words("chart-post-tags") and "#NATOexpansion" in words("chart-cooccurrence")
    # the list of posts with the most commentary, the first with the most commentary lines
    rows = browser.find_elements(By.CSS_SELECTOR, "#top-commentary tbody tr")
    assert len(rows) == 20
    most = conn.execute("SELECT MAX(commentary_lines) FROM dumps").fetchone()[0]
    assert rows[0].find_elements(By.TAG_NAME, "td")[3].text == str(most)
    pages = browser.find_elements(By.CSS_SELECTOR, ".dump-page")
    assert len(pages) == 20 and not any(p.is_displayed() for p in pages)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1280, min(height + 120, 16000))
    SCREENSHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "archive-report.png"))
    browser.set_window_size(1280, 900)
    # following a post's link opens its dump's page: its lines, coloured by the labels stored for them
    link = rows[0].find_element(By.CSS_SELECTOR, "td.name a")
    name = link.text
    link.click()
    shown = [p for p in browser.find_elements(By.CSS_SELECTOR, ".dump-page") if p.is_displayed()]
    assert len(shown) == 1 and name in shown[0].find_element(By.TAG_NAME, "h2").text
    lines, commentary = conn.execute("SELECT lines, commentary_lines FROM dumps WHERE name = ?", (name,)).fetchone()
    assert len(shown[0].find_elements(By.CSS_SELECTOR, ".line")) == lines
    assert len(shown[0].find_elements(By.CSS_SELECTOR, ".line.commentary")) == commentary == most
    assert shown[0].find_elements(By.CSS_SELECTOR, ".tags.suggested .t.sug")
    browser.save_screenshot(str(SCREENSHOTS / "archive-report-dump.png"))
    assert (SCREENSHOTS / "archive-report.png").stat().st_size > 50_000


def test_report_top_n_and_stdout(db):
    out = run("report", "--db", db, "--top", "3")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("<!DOCTYPE html>") and out.stdout.count('class="dump-page"') == 3


def test_report_refuses_what_it_cannot_use(db, trained_model, tmp_path):
    out = run("report", "--db", db, "-o", db)
    assert out.returncode == 2 and "is the database" in out.stderr
    empty = tmp_path / "empty.sqlite"
    made = run("index", tmp_path / "missing.txt", "--db", empty, "--model", tmp_path / "none")
    assert made.returncode == 2  # no model: nothing made
    assert not empty.exists()
    made = run("index", tmp_path / "missing.txt", "--db", empty, "--quiet", "--model", trained_model)
    assert made.returncode == 2 and empty.exists()  # the missing file fails, the database is made
    out = run("report", "--db", empty, "-o", tmp_path / "r.html")
    assert out.returncode == 2 and "holds no dumps" in out.stderr and not (tmp_path / "r.html").exists()
    out = run("report", "--db", tmp_path / "absent.sqlite")
    assert out.returncode == 2 and "classifier index" in out.stderr


def test_without_matplotlib_report_says_what_to_install(db, tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from classifier.cli import main\n"
            f"sys.exit(main(['report', '--db', {str(db)!r}, '-o', {str(tmp_path / 'r.html')!r}]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2, out.stderr
    assert "pip install 'hashtag-classifier[report]'" in out.stderr and "Traceback" not in out.stderr


def test_a_dump_page_is_rebuilt_from_the_rows_as_tagged(predictor, trained_model, tmp_path):
    """The stored blocks give back every non-empty line with its offsets and label, CRLF and CR files too."""
    from classifier.archive_report import stored_dump

    from .conftest import FIXTURES

    sources = [FIXTURES / "page.txt", FIXTURES / "traps.txt"]
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes((FIXTURES / "traps.txt").read_bytes().replace(b"\n", b"\r\n"))
    cr = tmp_path / "cr.txt"
    cr.write_bytes((FIXTURES / "page.txt").read_bytes().replace(b"\n", b"\r"))
    db = tmp_path / "a.sqlite"
    out = run("index", *sources, crlf, cr, "--db", db, "--model", trained_model, "--quiet")
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(db)
    for dump_id, path in conn.execute("SELECT id, path FROM dumps").fetchall():
        stored = stored_dump(conn, dump_id)
        tagged = predictor.tag(open(path, encoding="utf-8", newline="").read(), path)
        assert stored.line_labels() == tagged.line_labels()
        filled = [(ln.number, ln.start, ln.end, ln.text) for ln in tagged.lines if not ln.blank]
        assert [(ln.number, ln.start, ln.end, ln.text) for ln in stored.lines if not ln.blank] == filled
