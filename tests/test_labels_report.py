"""`classifier labels`: rule coverage, overlaps, conflicts, agreement with the model; tags and their variants."""
from __future__ import annotations

import json
import subprocess
import sys

from classifier import Predictor
from training.labels_report import build_report, tag_variants

from .conftest import CORPUS, FIXTURES, ROOT


def test_variants_by_width_case_and_spelling():
    names = ["NATO", "ＮＡＴＯ", "Nato", "ウイルス対策", "ウィルス対策", "ウクライナ支援", "ウクライナ支援策", "露朝", "日銀"]
    found = {(a, b): why for a, b, why in tag_variants(sorted(names))}
    assert found[("NATO", "ＮＡＴＯ")] == "width"
    assert found[("NATO", "Nato")] == "case"
    assert found[("ウィルス対策", "ウイルス対策")].startswith("spelling")
    assert found[("ウクライナ支援", "ウクライナ支援策")] == "spelling (1 edit apart)"
    assert not any("露朝" in pair or "日銀" in pair for pair in found)


def test_report_on_the_fixtures_counts_every_rule(trained_model):
    r = build_report([str(FIXTURES)], Predictor.load(trained_model).model, "m")
    d = r.to_dict()
    assert d["text_blocks"] == r.blocks > 0
    by_rule = {x["rule"]: x for x in d["rules"]}
    assert by_rule["emoji_marker"]["learned_weight"] is not None and by_rule["emoji_marker"]["learned_weight"] > 0
    assert by_rule["reporting_verb"]["learned_weight"] < 0  # a wire rule takes log-odds away from commentary
    assert by_rule["emoji_marker"]["commentary"] >= 1 and by_rule["emoji_marker"]["wire"] == 0
    # with a model, what it learned of the outlets' accounts replaces the list's guess
    assert by_rule["wire_reputation"]["wire"] + by_rule["outlet_post"]["wire"] >= 2
    assert all(0 <= x["overlap"] <= 1 and 0 <= x["conflicts"] <= 1 for x in d["rules"])
    assert by_rule["emoji_marker"]["model_agreement"] is not None
    assert d["tags"]["post"] == {"NATOexpansion": 1, "反ロシア": 1, "対中露戦": 1}
    assert d["tags"]["section"]["防空"] == 1


def test_labels_cli_with_and_without_a_model(trained_model, tmp_path):
    out = subprocess.run([sys.executable, "-m", "classifier", "labels", str(CORPUS), "--model", str(trained_model),
                          "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["dumps"] == len(list(CORPUS.glob("*.txt"))) and len(data["rules"]) >= 10
    handles = [a["handle"] for a in data["accounts"]]
    assert handles and handles.index("nhk_news") < len(handles) // 2  # the public broadcaster reads like wire
    assert all(0 <= a["score"] <= 1 and a["blocks"] >= 1 for a in data["accounts"])
    missing = subprocess.run([sys.executable, "-m", "classifier", "labels", str(FIXTURES), "--model",
                              str(tmp_path / "none")], capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2 and "no such model directory" in missing.stderr
