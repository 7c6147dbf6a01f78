"""The model: train/tag round trip, scores equal to scikit-learn's, loading without pickle or scikit-learn,
atomic saving, clear errors for bad model directories."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from classifier import ModelError, Predictor
from classifier.model_io import FORMAT_VERSION, MODEL_FILE, load_model, save_model
from classifier.parser import default_outlets
from classifier.tokenize import Tokenizer
from training import commentary_fit
from training.train import TrainParams, build_examples, fit_commentary, fit_tags, kept_tags, load_corpus

from .conftest import CORPUS, FIXTURES, ROOT, read


def test_round_trip_tags_a_dump(predictor):
    d = predictor.tag(read(FIXTURES / "traps.txt"), "traps.txt")
    out = d.to_dict()
    assert set(out["blocks"][0]) == {"kind", "label", "start_line", "end_line", "start", "end", "source", "rules",
                                     "commentary_score"}
    for b in out["blocks"]:
        if b["label"] in ("wire", "commentary"):
            assert 0.0 <= b["commentary_score"] <= 1.0
        else:
            assert b["commentary_score"] is None
    for s in out["sections"] + [out["post"]]:
        scores = [x["score"] for x in s["suggested"]]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 5
        assert all(0.0 <= x <= 1.0 for x in scores)
    assert out["post"]["suggested"], "the post gets suggestions"
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out


def test_suggestions_never_read_tag_lines(predictor):
    text = read(FIXTURES / "traps.txt")
    no_tags = "\n".join("" if ln.startswith("#") and not ln.startswith("#ニュース") else ln for ln in text.split("\n"))
    a = predictor.tag(text).post.suggested
    b = predictor.tag(no_tags).post.suggested
    assert [(s.tag, round(s.score, 6)) for s in a] == [(s.tag, round(s.score, 6)) for s in b]


def test_no_suggestions_without_known_words(predictor):
    for text in ("", "\n\n", "#NATOexpansion\n", "🐸🐸\n"):
        d = predictor.tag(text)
        assert d.post.suggested == [] and all(s.suggested == [] for s in d.sections)


def test_top_k(predictor):
    d = predictor.tag(read(FIXTURES / "traps.txt"), top_k=1)
    assert all(len(s.suggested) <= 1 for s in d.sections) and len(d.post.suggested) <= 1


@pytest.fixture(scope="module")
def small_fit():
    """A model fitted on the bundled corpus, with the scikit-learn pipelines kept for comparison."""
    corpus = load_corpus([str(CORPUS)], default_outlets(), Tokenizer())
    ex = build_examples(corpus, range(len(corpus.dumps)))
    params = TrainParams()
    _, labels = commentary_fit.fit_label_model(corpus.votes)
    plan, y = commentary_fit.training_plan(corpus.tokens, labels, range(len(corpus.dumps)), params.min_margin, True)
    ex.comm_docs = lambda: commentary_fit.plan_docs(corpus.dumps, corpus.tokens, plan)
    comm, comm_pipe = fit_commentary(ex.comm_docs(), y, params)
    tags = list(kept_tags(ex.posts.tags, 3)[0])
    post, post_pipe = fit_tags(ex.posts.docs, ex.posts.tags, tags, params)
    return ex, comm, comm_pipe, post, post_pipe


def test_numpy_scores_equal_the_scikit_learn_pipeline(small_fit):
    ex, comm, comm_pipe, post, post_pipe = small_fit
    docs = list(ex.comm_docs())[:300]
    np.testing.assert_allclose(comm.predict_proba(docs)[:, 0], comm_pipe.predict_proba(docs)[:, 1], atol=1e-10)
    np.testing.assert_allclose(post.predict_proba(ex.posts.docs), post_pipe.predict_proba(ex.posts.docs), atol=1e-10)


def test_neighbour_similarities_equal_cosine_over_tfidf(small_fit, monkeypatch):
    """The NumPy-only neighbour index scores what scikit-learn's TF-IDF and a cosine would."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from training import suggest_fit

    ex = small_fit[0]
    docs = ex.sections.docs
    monkeypatch.setattr(suggest_fit, "MAX_TERMS_PER_DOC", 10**6)  # no cut: exact cosine
    index = suggest_fit.fit_neighbours(ex.sections)
    x = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True).fit_transform(docs)
    want = (x @ x.T).toarray()
    for i in range(0, len(docs), 5):
        np.testing.assert_allclose(index.similarities(docs[i]), want[i], atol=1e-9)
    np.testing.assert_allclose(index.similarities_many(docs[::3]), want[::3], atol=1e-9)  # all at once
    assert [i for i, _ in index.nearest(docs[3], 1)] == [3]


def test_tagging_never_imports_scikit_learn(trained_model):
    code = textwrap.dedent(
        f"""
        import sys
        from classifier import Predictor
        p = Predictor.load({str(trained_model)!r})
        d = p.tag(open({str(FIXTURES / 'traps.txt')!r}, encoding='utf-8').read())
        assert d.post.suggested
        print('sklearn' in sys.modules, 'training' in sys.modules, 'scipy' in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False False False"  # nor training/, nor SciPy


def test_model_arrays_load_without_pickle(trained_model, monkeypatch):
    calls = []
    real_load = np.load

    def spy(*a, **k):
        calls.append(k.get("allow_pickle"))
        return real_load(*a, **k)

    monkeypatch.setattr(np, "load", spy)
    load_model(trained_model)
    assert calls and all(c is False for c in calls)


def test_object_array_in_a_model_is_refused(trained_model, tmp_path):
    import hashlib
    import io
    import shutil

    bad = tmp_path / "m"
    shutil.copytree(trained_model, bad)
    meta = json.loads((bad / MODEL_FILE).read_text(encoding="utf-8"))
    spec = meta["models"]["commentary"]["arrays"]["intercept"]
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    (bad / spec["file"]).write_bytes(buf.getvalue())
    spec["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (bad / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="refusing"):
        load_model(bad)


def test_corrupt_and_missing_models_are_refused_clearly(trained_model, tmp_path):
    import shutil

    with pytest.raises(ModelError, match="no such model directory"):
        load_model(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="model.json is missing"):
        load_model(tmp_path / "empty")
    trunc = tmp_path / "trunc"
    shutil.copytree(trained_model, trunc)
    raw = (trunc / MODEL_FILE).read_bytes()
    (trunc / MODEL_FILE).write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelError, match="truncated or corrupt"):
        load_model(trunc)
    newer = tmp_path / "newer"
    shutil.copytree(trained_model, newer)
    meta = json.loads((newer / MODEL_FILE).read_text(encoding="utf-8"))
    meta["format_version"] = 99
    (newer / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="newer"):
        load_model(newer)
    flipped = tmp_path / "flipped"
    shutil.copytree(trained_model, flipped)
    npy = sorted(flipped.glob("*.npy"))[0]
    data = bytearray(npy.read_bytes())
    data[-1] ^= 0xFF
    npy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        load_model(flipped)


def test_model_json_records_versions_vocabulary_and_fingerprint(trained_model):
    meta = json.loads((trained_model / MODEL_FILE).read_text(encoding="utf-8"))
    assert meta["format_version"] == FORMAT_VERSION
    assert {"label_model", "calibration", "transitions", "reputation", "suggest"} <= set(meta)
    assert {"sudachipy", "sudachidict-core", "scikit-learn", "numpy"} <= set(meta["versions"])
    assert len(meta["corpus"]["fingerprint"]) == 64
    assert meta["models"]["commentary"]["vocabulary"]
    assert meta["tags"]["post"] and meta["tags"]["section"]
    assert "suggest_min" in meta["thresholds"] and meta["calibration"]["note"]
    assert not any(t.startswith(("@", "w:@")) for t in meta["models"]["commentary"]["vocabulary"])


def test_save_is_atomic_when_interrupted(trained_model, tmp_path, monkeypatch):
    import shutil

    import classifier.model_io as mio

    target = tmp_path / "m"
    shutil.copytree(trained_model, target)
    before = Predictor.load(target).tag(read(FIXTURES / "traps.txt")).to_dict()
    model = load_model(target)
    model.commentary.coef = model.commentary.coef * 2  # a different model: new array files

    real_replace = os.replace

    def crash_on_model_json(src, dst):
        if str(dst).endswith(MODEL_FILE):
            raise KeyboardInterrupt("killed while saving")
        return real_replace(src, dst)

    monkeypatch.setattr(mio.os, "replace", crash_on_model_json)
    with pytest.raises(KeyboardInterrupt):
        save_model(model, target)
    monkeypatch.setattr(mio.os, "replace", real_replace)
    after = Predictor.load(target).tag(read(FIXTURES / "traps.txt")).to_dict()
    assert after == before
    assert not list(target.glob(".*.tmp"))  # the interrupted save removed its own files
    save_model(model, target)
    meta = json.loads((target / MODEL_FILE).read_text())
    names = {a["file"] for p in meta["models"].values() if p for a in p["arrays"].values()}
    # the new arrays, and the previous generation's for readers that loaded it a moment ago
    assert {p.name for p in target.glob("*.npy")} == names | set(meta["previous_files"])


def test_train_killed_midway_leaves_previous_model_usable(trained_model, tmp_path):
    """Kill `classifier train` at several moments: the model directory always loads and tags."""
    import shutil
    import signal
    import time

    target = tmp_path / "m"
    shutil.copytree(trained_model, target)
    before = (target / MODEL_FILE).read_bytes()
    killed = 0
    for delay in (0.5, 1.5, 3.0, 5.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "classifier", "train", str(CORPUS), "--model", str(target), "--quiet"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait() == -signal.SIGKILL
        assert Predictor.load(target).tag(read(FIXTURES / "traps.txt")).post.suggested
        if (target / MODEL_FILE).read_bytes() == before:
            continue
        before = (target / MODEL_FILE).read_bytes()  # it finished first: the new model is whole
    assert killed, "training finished before any kill: nothing was tested"


def test_contrast_features_weigh_a_tag_against_the_dumps_other_sections():
    """A section tag says what sets a section apart: the same tag scored in two sections of one dump gets a
    positive margin where it is strongest and a negative one elsewhere; a lone document gets share 1, margin p."""
    from classifier.linear import LinearTextModel
    from classifier.suggest import FALLBACK_WEIGHTS, FEATURES, Suggester

    linear = LinearTextModel(["a", "b"], np.ones(2), np.array([[4.0, 1.0], [0.0, 3.0]]), np.zeros(2), ["X", "Y"])
    s = Suggester(linear, None, None, {"X": 3, "Y": 2}, list(FALLBACK_WEIGHTS))
    docs = [["a", "a", "a"], ["a", "b"], ["b"]]
    feats, _ = s.features_all(docs, ["", "", ""])
    share, margin = FEATURES.index("linear_share"), FEATURES.index("linear_margin")
    rows = linear.predict_proba(docs)
    x = rows[:, 0]
    assert feats[0]["X"][margin] == pytest.approx(x[0] - x[1]) and feats[0]["X"][margin] > 0
    assert feats[1]["X"][margin] == pytest.approx(x[1] - x[0]) and feats[1]["X"][margin] < 0
    assert feats[0]["X"][share] == pytest.approx(x[0] / x.sum())
    assert sum(f["X"][share] for f in feats) == pytest.approx(1.0)
    alone, _ = s.features_all(docs[:1], [""])
    assert alone[0]["X"][share] == 1.0 and alone[0]["X"][margin] == pytest.approx(x[0])


def test_commentary_columns_are_the_documents_terms_looked_up(predictor):
    """Scoring looks the words up without making their terms: the columns must be those of every term of
    commentary_docs, document by document, and the scores those of the documents."""
    from classifier.features import WORD_PREFIX, commentary_columns, commentary_docs
    from classifier.segment import segment

    model = predictor.model.commentary
    for name in ("traps.txt", "page.txt"):
        dump = segment(read(FIXTURES / name), vocabulary=predictor.vocabulary)
        tokens = predictor.tokenize(dump)
        batch = [k for k, t in enumerate(tokens) if t is not None][1::2]  # a batch that skips blocks
        docs = commentary_docs(dump, tokens, indices=batch)
        found, lengths = commentary_columns(dump, tokens, model.index, model.prefixed_index(WORD_PREFIX), batch)
        assert lengths == [len(d) for d in docs]
        assert found == [model.index.get(t, -1) for d in docs for t in d]
        vectors = model.vectorize_found(np.array(found, dtype=np.int64), np.array(lengths, dtype=np.int64))
        assert np.array_equal(model.predict_proba(vectors=vectors), model.predict_proba(docs))
