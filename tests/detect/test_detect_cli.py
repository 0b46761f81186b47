"""`tanggap classify` and `tanggap model ...` through Typer's test runner, on the sub-app."""

import json

import pytest
import typer
from typer.testing import CliRunner

from tanggap.detect.cli import classify_command, model_app
from tanggap.detect.model import TerrorismModel

runner = CliRunner()
classify_app = typer.Typer()
classify_app.command()(classify_command)

POSTS = [{"id": 1, "text": "Saudaraku, berbaiat kepada daulah islamiyah, perangi thaghut, amaliyah istisyhadiyah"},
         {"id": "b-2", "text": "Resep rendang padang yang enak dan mudah"},
         {"id": 3, "text": "The weather in Jakarta is very hot today, stay hydrated"},
         {"id": 4, "text": ""}]


def write_posts(path, posts=POSTS):
    path.write_text("".join(json.dumps(p) + "\n" for p in posts) + "\n")
    return path


def invoke(app, *args, **kwargs):
    result = runner.invoke(app, [str(a) for a in args], **kwargs)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_classify_writes_one_contract_line_per_post_with_the_shipped_model(tmp_path):
    out = tmp_path / "out.jsonl"
    result = invoke(classify_app, "--input", write_posts(tmp_path / "in.jsonl"), "--output", out,
                    "--models-dir", tmp_path / "models")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == [1, "b-2", 3, 4]
    for line in lines:
        assert set(line) == {"id", "score", "label", "language"}
        assert 0.0 <= line["score"] <= 1.0 and line["label"] in ("terrorism", "none")
    assert lines[1]["label"] == "none" and lines[1]["language"] == "id" and lines[2]["language"] == "en"
    assert lines[0]["score"] > lines[1]["score"]


@pytest.mark.parametrize(("line", "complaint"), [("not json", "not JSON"), ('{"id": 1}', "expected"),
                                                  ('{"text": "x"}', "expected"), ('[1, 2]', "expected")])
def test_classify_names_the_bad_line(tmp_path, line, complaint):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(POSTS[0]) + "\n" + line + "\n")
    result = invoke(classify_app, "--input", source, "--output", tmp_path / "out.jsonl", "--models-dir", tmp_path / "m")
    assert result.exit_code == 1 and f"in.jsonl:2: {complaint}" in result.output


def test_classify_with_an_unknown_model_fails_cleanly(tmp_path):
    result = invoke(classify_app, "--input", write_posts(tmp_path / "in.jsonl"), "--output", tmp_path / "o",
                    "--model", "no-such-version", "--models-dir", tmp_path / "m")
    assert result.exit_code == 1 and "no model version" in result.output


def save_variant(registry, model, version, threshold=None):
    variant = TerrorismModel(version, model.features, model.radical, model.hate, model.gate_power,
                             model.calibration, model.threshold if threshold is None else threshold,
                             dict(model.manifest), rank=model.rank)
    registry.add(variant, "# card\n", shadow=False)
    return variant


def test_shadow_version_scores_next_to_live_and_logs_ids_and_scores_only(tmp_path, registry, small_model):
    save_variant(registry, small_model, "cand-1")
    registry.set_shadow("cand-1")
    out = tmp_path / "out.jsonl"
    result = invoke(classify_app, "--input", write_posts(tmp_path / "in.jsonl"), "--output", out,
                    "--models-dir", registry.directory)
    assert result.exit_code == 0 and "shadow cand-1 logged" in result.output
    log = [json.loads(line) for line in registry.shadow_log("cand-1").read_text().splitlines()]
    assert [entry["id"] for entry in log] == [1, "b-2", 3, 4]
    assert all(set(entry) == {"id", "at", "live", "shadow"} and "text" not in json.dumps(entry) for entry in log)
    assert log[0]["live"]["version"] == registry.live_version and log[0]["shadow"]["version"] == "cand-1"
    # the live output is unchanged by the shadow
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [1, "b-2", 3, 4]

    compared = tmp_path / "compared.jsonl"
    labelled = [dict(POSTS[0], label="terrorism"), dict(POSTS[1], label=0)]
    result = invoke(model_app, "shadow", "--input", write_posts(tmp_path / "l.jsonl", labelled), "--output", compared,
                    "--models-dir", registry.directory)
    assert result.exit_code == 0 and "2 posts" in result.output and "live F1" in result.output
    assert json.loads(compared.read_text().splitlines()[0])["shadow"]["version"] == "cand-1"


def test_promote_refuses_a_worse_candidate_with_the_figures(registry, small_model):
    save_variant(registry, small_model, "flags-everything", threshold=0.0)
    result = invoke(model_app, "promote", "flags-everything", "--models-dir", registry.directory, "--sample", 400)
    assert result.exit_code == 1
    assert "religion-hate FPR worse" in result.output and "FPR religion-targeted hate speech" in result.output
    assert "not promoted" in result.output and registry.live_version != "flags-everything"


def test_promote_accepts_a_better_candidate_and_records_it(registry, small_model):
    save_variant(registry, small_model, "flags-everything", threshold=0.0)
    registry.set_live("flags-everything")
    save_variant(registry, small_model, "small")
    result = invoke(model_app, "promote", "small", "--models-dir", registry.directory, "--sample", 400)
    assert result.exit_code == 0, result.output
    assert "small is live" in result.output and registry.live_version == "small"
    assert registry.state()["history"][-1]["action"] == "promote"
    listed = invoke(model_app, "list", "--models-dir", registry.directory).output
    assert "small" in listed and "live" in listed and "packaged" in listed


def test_evaluate_prints_figures_with_intervals_next_to_the_baseline(tmp_path):
    figures = tmp_path / "figures.json"
    result = invoke(model_app, "evaluate", "--models-dir", tmp_path / "models", "--sample", 800,
                    "--bootstrap", 100, "--json", figures)
    assert result.exit_code == 0, result.output
    for words in ("radikalisme precision", "radikalisme recall", "radikalisme F1", "radikalisme ROC AUC",
                  "FPR religion-targeted hate speech", "baseline tfidf+logreg", "ECE", "paired bootstrap"):
        assert words in result.output
    stored = json.loads(figures.read_text())
    assert stored["model"]["religion_hate_fpr"]["ci95"][0] <= stored["model"]["religion_hate_fpr"]["value"]


def test_train_writes_a_new_version_in_shadow(tmp_path, registry):
    result = invoke(model_app, "train", "--models-dir", registry.directory, "--sample", 1000, "--folds", 2,
                    "--bootstrap", 50)
    assert result.exit_code == 0, result.output
    version = registry.shadow_version
    assert version and version != registry.live_version and f"promote {version}" in result.output
    path = registry.path_of(version)
    assert {"model.npz", "manifest.json", "MODEL_CARD.md"} <= {p.name for p in path.iterdir()}
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["evaluation"]["sampled"] is True and manifest["evaluation"]["baseline"]
