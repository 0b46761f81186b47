"""The model: trained small here, stored as plain arrays, loaded back identically."""

import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tanggap.detect.model import LABEL_NEGATIVE, LABEL_POSITIVE, ModelFileError, TerrorismModel, sigmoid
from tanggap.detect.registry import ModelRegistry

ADVOCACY = ["Saudaraku, berbaiat kepada daulah islamiyah, perangi thaghut dan ansharut thaghut, amaliyah istisyhadiyah",
            "Bunuh semua orang kafir, bom gereja mereka, jihad fisabilillah sampai mati syahid"]
ORDINARY = ["Resep rendang padang yang enak dan mudah dibuat di rumah",
            "Selamat hari raya Idul Fitri, mohon maaf lahir dan batin",
            "Kajian tauhid malam ini di masjid, terbuka untuk umum, ajak keluarga ya"]


def test_scores_are_probabilities_and_labels_follow_the_threshold(small_model):
    full = dataclasses.replace(small_model, first_stage=None)  # a small sample's first stage is weak
    verdicts = full.classify(ADVOCACY + ORDINARY)
    for verdict in verdicts:
        assert 0.0 <= verdict.score <= 1.0
        assert verdict.label == (LABEL_POSITIVE if verdict.score >= full.threshold else LABEL_NEGATIVE)
    assert min(v.score for v in verdicts[:2]) > max(v.score for v in verdicts[2:])
    assert verdicts[0].language == "id" and "thaghut" in verdicts[0].evidence


def test_saved_model_is_plain_arrays_and_loads_back_identically(small_model, tmp_path):
    small_model.save(tmp_path / "m")
    with zipfile.ZipFile(tmp_path / "m" / "model.npz") as archive:  # npz: .npy arrays, no pickles
        assert all(name.endswith(".npy") for name in archive.namelist())
    with np.load(tmp_path / "m" / "model.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    loaded = TerrorismModel.load(tmp_path / "m")
    texts = ADVOCACY + ORDINARY
    assert np.allclose(loaded.scores(texts), small_model.scores(texts), atol=1e-6)
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["version"] == small_model.version and manifest["threshold"] == small_model.threshold
    hashes = manifest["training"]["data_hashes"]
    assert hashes == {} or set(hashes) == {"netifier/train.csv.gz", "id-hatespeech/re_dataset_train.csv.gz",
                                           "isis-tweets-en/tweets.csv.gz"}
    assert manifest["software"]["scikit-learn"]


def test_a_model_made_with_other_normalisation_data_is_refused(small_model, tmp_path):
    small_model.save(tmp_path / "m")
    manifest_path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["normalisation_hashes"]["lexicon/lexicon.tsv"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match="retrain"):
        TerrorismModel.load(tmp_path / "m")


def test_the_operating_point_is_chosen_out_of_fold(small_model):
    training = small_model.manifest["training"]
    assert training["operating_point"]["max_religion_fpr"] >= 0.005
    assert training["out_of_fold"]["religion_hate_fpr"] <= training["operating_point"]["max_religion_fpr"] + 1e-9
    assert small_model.gate_power in training["config"]["gate_powers"]


def test_the_shipped_default_model_is_small_documented_and_live(registry):
    model = registry.load()
    path = registry.path_of(model.version)
    # Most of it is the cascade's first stage: three heads and the idf over 2**18 hashed columns.
    assert (path / "model.npz").stat().st_size < 5 * 1024 * 1024
    card = (path / "MODEL_CARD.md").read_text()
    for words in ("non-commercial", "CC BY-NC-SA 4.0", "CC0", "Intended use", "source confound", "radikalisme F1"):
        assert words.lower() in card.lower()
    evaluation = model.manifest["evaluation"]
    fpr, baseline_fpr = (evaluation[split]["religion_hate_fpr"]["value"] for split in ("held_out", "baseline"))
    assert fpr <= baseline_fpr / 5
    ours, theirs = evaluation["held_out"]["radikalisme"], evaluation["baseline"]["radikalisme"]
    assert ours["f1"]["value"] > theirs["f1"]["value"] and ours["roc_auc"]["value"] >= theirs["roc_auc"]["value"]


def test_benign_english_and_arabic_are_not_flagged_by_the_shipped_model(registry):
    model = registry.load()
    texts = ["The weather in Jakarta is very hot today, stay hydrated",
             "Happy Eid to all my Muslim friends, may Allah accept your fasting and prayers",
             "بسم الله الرحمن الرحيم الحمد لله رب العالمين"]
    assert all(v.label == LABEL_NEGATIVE for v in model.classify(texts))


def test_the_shipped_cascade_labels_as_its_full_model_does(registry):
    model = registry.load()
    assert model.first_stage is not None
    texts = ADVOCACY + ORDINARY
    verdicts = model.classify(texts)
    full = dataclasses.replace(model, first_stage=None).classify(texts)
    assert [v.label for v in verdicts] == [v.label for v in full]
    assert verdicts[1].label == LABEL_POSITIVE and "syahid" in verdicts[1].evidence
    assert all(v.label == LABEL_NEGATIVE for v in verdicts[2:])


def test_registry_without_own_file_uses_the_packaged_live_version(tmp_path):
    registry = ModelRegistry(tmp_path / "nothing-here")
    assert registry.live_version and registry.shadow_version is None
    assert registry.versions()[-1].packaged


def test_the_gate_decides_the_label_and_the_stack_the_order(small_model):
    texts = ADVOCACY + ORDINARY + ["Usir kafir dari negeri ini, ganyang mereka", "Jihad melawan hawa nafsu itu utama"]
    matrix = small_model.features.transform([small_model._normaliser()(text) for text in texts])
    advocacy = small_model.advocacy(texts)
    gated, scores = small_model.gated(matrix), small_model.scores_from_features(matrix, advocacy)
    rank = sigmoid(small_model.stack(small_model.rank.decision(matrix), advocacy))
    with pytest.raises(ValueError, match="advocacy"):  # a stacked model cannot order posts without it
        small_model.scores_from_features(matrix)
    assert ((scores >= small_model.threshold) == (gated >= small_model.threshold)).all()
    for side in (gated >= small_model.threshold, gated < small_model.threshold):
        order = np.argsort(scores[side], kind="stable")
        assert (np.diff(rank[side][order]) >= 0).all()


def test_a_two_head_model_of_format_v1_still_loads_and_scores_by_its_gate(small_model, tmp_path):
    v1 = dataclasses.replace(small_model, rank=None, first_stage=None, manifest=dict(small_model.manifest))
    v1.save(tmp_path / "v1")
    assert json.loads((tmp_path / "v1" / "manifest.json").read_text())["format"] == "tanggap-terrorism-2heads-v1"
    loaded = TerrorismModel.load(tmp_path / "v1")
    assert loaded.rank is None
    texts = ADVOCACY + ORDINARY
    matrix = loaded.features.transform([loaded._normaliser()(text) for text in texts])
    np.testing.assert_allclose(loaded.scores(texts), small_model.gated(matrix), atol=1e-6)


def test_probabilities_are_the_calibrated_gate_and_label_like_the_scores(small_model):
    texts = ADVOCACY + ORDINARY
    normalised = small_model.normalise(texts)
    probabilities = small_model.probabilities_normalised(normalised)
    matrix = small_model.features.transform(normalised)
    np.testing.assert_allclose(probabilities, small_model.gated(matrix))
    scores = small_model.scores_normalised(normalised, small_model.advocacy(texts))
    assert ((probabilities >= small_model.threshold) == (scores >= small_model.threshold)).all()


def test_a_three_head_model_of_format_v2_still_loads_and_scores_every_post_fully(small_model, tmp_path):
    v2 = dataclasses.replace(small_model, first_stage=None, manifest=dict(small_model.manifest))
    v2.save(tmp_path / "v2")
    manifest = json.loads((tmp_path / "v2" / "manifest.json").read_text())
    assert manifest["format"] == "tanggap-terrorism-3heads-v2" and "first_stage" not in manifest
    loaded = TerrorismModel.load(tmp_path / "v2")
    assert loaded.first_stage is None
    texts = ADVOCACY + ORDINARY
    np.testing.assert_allclose(loaded.scores(texts), v2.scores_normalised(v2.normalise(texts)), atol=1e-6)


def test_a_cascade_of_format_v3_still_loads_and_orders_by_its_rank_head():
    registry = ModelRegistry(Path("/nonexistent"))  # the packaged models only
    v3 = registry.load("20261207-eaefbaf1")
    assert v3.format == "tanggap-terrorism-cascade-v3" and v3.stack is None
    assert v3.first_stage.scaling == "count / sqrt(n)" and v3.first_stage.heads == ("pass", "rank")
    texts = ADVOCACY + ORDINARY
    scores, decisions = v3.scores(texts), v3.first_stage.decisions(texts)
    kept = decisions[:, 0] < v3.first_stage.cutoff
    np.testing.assert_allclose(scores[kept], v3.threshold * sigmoid(decisions[kept, 1]))
    full = v3.scores_normalised(v3.normalise(texts))
    np.testing.assert_allclose(scores[~kept], full[~kept])
    assert [v.label for v in v3.classify(texts)][:2] == [LABEL_NEGATIVE, LABEL_POSITIVE]


@pytest.mark.parametrize(("part", "message"), [("first_stage", "first stage"), ("stack", "stack")])
def test_a_stacked_cascade_without_its_first_stage_or_stack_is_refused(small_model, tmp_path, part, message):
    small_model.save(tmp_path / "m")
    manifest_path = tmp_path / "m" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest[part]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelFileError, match=message):
        TerrorismModel.load(tmp_path / "m")
