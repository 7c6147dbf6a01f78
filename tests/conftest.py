"""Shared fixtures: the seeds and gold in ../shared, and one model trained on the bundled corpus per session."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "training" / "corpus"
LABEL = {"W": "wire", "C": "commentary", "T": "tag", "M": "meta"}


def seed_pairs() -> list[tuple[Path, dict]]:
    """(seed dump, gold) pairs from ../shared, or a skip with the reason when it is absent."""
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"{seeds} is absent: the seeds and gold labels live outside the repo (CI always has them)")
    pairs = []
    for txt in sorted(seeds.glob("*.txt")):
        gold = SHARED / "gold" / (txt.stem + ".json")
        if gold.exists():
            pairs.append((txt, json.loads(gold.read_text(encoding="utf-8"))))
    if not pairs:
        pytest.skip(f"no gold files in {SHARED / 'gold'}")
    return pairs


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """A model trained with the default settings on the bundled corpus, as `classifier train` does."""
    from training.train import TrainParams, train

    out = tmp_path_factory.mktemp("model") / "default"
    train(None, out, TrainParams())
    return out


@pytest.fixture(scope="session")
def predictor(trained_model):
    from classifier import Predictor

    return Predictor.load(trained_model)
