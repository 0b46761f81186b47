"""Learning from moderators: decisions in a real store, posts from the demo platform over HTTP."""

import json

import pytest
from typer.testing import CliRunner

from tanggap.detect import decisions
from tanggap.detect.cli import model_app
from tanggap.detect.corpus import Example
from tanggap.platforms.demo import DemoPlatform
from tanggap.services.decisions import DecisionRequest, approve, decide
from tanggap.services.orders import ingest_order
from tests.servers import seeded_demo_platform
from tests.builders import order_for

TOKEN = "detect-decisions-token"


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory):
    with seeded_demo_platform(tmp_path_factory.mktemp("platform"), TOKEN, channels=40, seed=11) as server:
        yield server


@pytest.fixture
def platform(platform_server):
    with DemoPlatform(platform_server.url, TOKEN, timeout=5.0) as adapter:
        yield adapter


def public(channels, kind, count):
    return [c for c in channels if c.kind == kind and c.username][:count]


@pytest.fixture
def decided(store, sla, ministry, moderator, senior, platform_server):
    """Blocks for terrorist content, a no-action (approved by a senior), a gambling block."""
    channels = platform_server.channels
    case_of = {}
    chosen = public(channels, "propaganda", 3) + public(channels, "ordinary", 2) + public(channels, "gambling", 1)
    for channel in chosen:
        receipt = ingest_order(store.uow(), sla, order_for(ministry, f"@{channel.username}",
                                                           reference=f"B-{channel.internal_id}"), ministry)
        case_of[channel.username] = (receipt.case_ids[0], channel)
    for case_id, channel in case_of.values():
        if channel.kind == "propaganda":
            request = DecisionRequest("block", "terrorist propaganda", "global", reason_code="terrorist_content")
        elif channel.kind == "ordinary":
            request = DecisionRequest("no_action", "ordinary channel", reason_code="not_violating")
        else:
            request = DecisionRequest("block", "judi online", "global", reason_code="illegal_gambling")
        decide(store.uow(), case_id, request, moderator)
        if channel.kind == "ordinary":  # no action on an order waits for a senior
            approve(store.uow(), case_id, senior)
    return case_of


def test_labels_come_from_the_latest_effective_decision():
    assert decisions.label_of("block", "terrorist_content", "x") == 1
    assert decisions.label_of("remove_post", None, "Konten terorisme ISIS") == 1
    assert decisions.label_of("block", "illegal_gambling", "terror of slots") is None
    assert decisions.label_of("no_action", "not_violating", "ok") == 0
    assert decisions.label_of("no_action", "not_reachable", "gone") is None
    assert decisions.label_of("unblock", None, "appeal upheld") is None


def test_harvest_labels_each_post_of_a_decided_channel(store, platform, decided):
    harvest = decisions.harvest(store, platform)
    assert harvest.counts["cases positive"] == 3 and harvest.counts["cases negative"] == 2
    by_label = {label: [e.example for e in harvest.examples if e.example.label == label] for label in (0, 1)}
    assert by_label[1] and by_label[0]
    assert all(e.dataset == "decisions" and e.source == "demo" and e.weight == 0.5 for e in by_label[1])
    gambling = {f"https://t.me/{c.username}" for _, c in decided.values() if c.kind == "gambling"}
    assert gambling and not {item.target for item in harvest.examples} & gambling


def test_split_harvest_keeps_test_texts_out_of_training():
    items = [decisions.DecisionExample(f"c{i}", f"https://t.me/chan{i}",
                                       Example(f"post number {i}", i % 2, "decisions", "demo"))
             for i in range(60)]
    test_text = Example("post number 7", 0, "netifier", "twitter")
    train, holdout = decisions.split_harvest(items, [], [test_text])
    assert "post number 7" not in {e.text for e in train}
    assert holdout and not {e.key for e in train} & {e.key for e in holdout}


def test_train_from_decisions_runs_in_shadow_and_promotion_is_judged(
        store, store_url, platform_server, decided, tmp_path):
    runner = CliRunner()
    env = {"TANGGAP_DATABASE_URL": store_url, "TANGGAP_PLATFORM_URL": platform_server.url,
           "TANGGAP_PLATFORM_TOKEN": TOKEN, "TANGGAP_MODELS_DIR": str(tmp_path / "models")}
    result = runner.invoke(model_app, ["train", "--from-decisions", "--sample", "1000", "--folds", "2",
                                       "--bootstrap", "50"], env=env)
    assert result.exit_code == 0, result.output
    assert "cases positive 3" in result.output and "running in shadow" in result.output
    manifest_path = next((tmp_path / "models").glob("*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["parent"] and manifest["training"]["decisions"]["train_posts"] > 0

    promoted = runner.invoke(model_app, ["promote", manifest["version"], "--sample", "400"], env=env)
    assert "FPR religion-targeted hate speech" in promoted.output  # the figures, either way
    if promoted.exit_code == 0:
        assert f"{manifest['version']} is live" in promoted.output
    else:
        assert "not promoted" in promoted.output and "worse" in promoted.output


def test_from_decisions_with_nothing_usable_says_so(store, store_url, platform_server, tmp_path):
    env = {"TANGGAP_DATABASE_URL": store_url, "TANGGAP_PLATFORM_URL": platform_server.url,
           "TANGGAP_PLATFORM_TOKEN": TOKEN, "TANGGAP_MODELS_DIR": str(tmp_path / "models")}
    result = CliRunner().invoke(model_app, ["train", "--from-decisions", "--sample", "500"], env=env)
    assert result.exit_code == 1 and "no decision gave a usable label" in result.output
