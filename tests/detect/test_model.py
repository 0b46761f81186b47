"""The model: trained small here, stored as plain arrays, loaded back identically."""

import json
import zipfile

import numpy as np
import pytest

from tanggap.detect.model import LABEL_NEGATIVE, LABEL_POSITIVE, ModelFileError, TerrorismModel
from tanggap.detect.registry import ModelRegistry

ADVOCACY = ["Saudaraku, berbaiat kepada daulah islamiyah, perangi thaghut dan ansharut thaghut, amaliyah istisyhadiyah",
            "Bunuh semua orang kafir, bom gereja mereka, jihad fisabilillah sampai mati syahid"]
ORDINARY = ["Resep rendang padang yang enak dan mudah dibuat di rumah",
            "Selamat hari raya Idul Fitri, mohon maaf lahir dan batin",
            "Kajian tauhid malam ini di masjid, terbuka untuk umum, ajak keluarga ya"]


def test_scores_are_probabilities_and_labels_follow_the_threshold(small_model):
    verdicts = small_model.classify(ADVOCACY + ORDINARY)
    for verdict in verdicts:
        assert 0.0 <= verdict.score <= 1.0
        assert verdict.label == (LABEL_POSITIVE if verdict.score >= small_model.threshold else LABEL_NEGATIVE)
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
    assert set(manifest["training"]["data_hashes"]) == {"netifier/train.csv.gz", "id-hatespeech/re_dataset_train.csv.gz",
                                                        "isis-tweets-en/tweets.csv.gz"} or manifest["training"]["data_hashes"] == {}
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
    assert (path / "model.npz").stat().st_size < 4 * 1024 * 1024
    card = (path / "MODEL_CARD.md").read_text()
    for words in ("non-commercial", "CC BY-NC-SA 4.0", "CC0", "Intended use", "source confound", "radikalisme F1"):
        assert words.lower() in card.lower()
    evaluation = model.manifest["evaluation"]
    assert evaluation["held_out"]["religion_hate_fpr"]["value"] <= evaluation["baseline"]["religion_hate_fpr"]["value"] / 5
    assert evaluation["held_out"]["radikalisme"]["f1"]["value"] > evaluation["baseline"]["radikalisme"]["f1"]["value"]


def test_benign_english_and_arabic_are_not_flagged_by_the_shipped_model(registry):
    model = registry.load()
    texts = ["The weather in Jakarta is very hot today, stay hydrated",
             "Happy Eid to all my Muslim friends, may Allah accept your fasting and prayers",
             "بسم الله الرحمن الرحيم الحمد لله رب العالمين"]
    assert all(v.label == LABEL_NEGATIVE for v in model.classify(texts))


def test_registry_without_own_file_uses_the_packaged_live_version(tmp_path):
    registry = ModelRegistry(tmp_path / "nothing-here")
    assert registry.live_version and registry.shadow_version is None
    assert registry.versions()[-1].packaged
