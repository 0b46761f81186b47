"""`tanggap model ...` and `tanggap classify`: the classifier from the command line.

Models trained here live in the models directory: ``--models-dir``, else ``TANGGAP_MODELS_DIR``,
else ``<var_dir>/models``. Without a registry there, the model shipped in the package is live.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from tanggap.detect.lifecycle import (
    evaluate_against_baseline,
    held_out,
    promote,
    shadow_compare,
    shadow_record,
    train_version,
)
from tanggap.detect.model import LABEL_POSITIVE, ModelFileError, TerrorismModel
from tanggap.detect.registry import ModelRegistry, RegistryError
from tanggap.detect.training import TrainingConfig

model_app = typer.Typer(help="The terrorism classifier: train, evaluate, shadow, promote, list.",
                        no_args_is_help=True)

ModelsDir = Annotated[Path | None, typer.Option("--models-dir", help="where trained versions and registry.json live")]
Sample = Annotated[int | None, typer.Option("--sample", help="use about this many training examples (quick runs)")]
BATCH = 512


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _registry(models_dir: Path | None) -> ModelRegistry:
    if models_dir is None and os.environ.get("TANGGAP_MODELS_DIR"):
        models_dir = Path(os.environ["TANGGAP_MODELS_DIR"])
    if models_dir is None:
        from tanggap.config import Settings

        models_dir = Settings().var_dir / "models"
    return ModelRegistry(models_dir)


def _load(registry: ModelRegistry, version: str | None) -> TerrorismModel:
    try:
        return registry.load(version)
    except (RegistryError, ModelFileError) as error:
        _fail(str(error))
        raise  # unreachable


def _read_posts(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-empty JSON line with a string ``text``."""
    try:
        stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror}")
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                post = json.loads(line)
            except json.JSONDecodeError as error:
                _fail(f"{path}:{number}: not JSON ({error.msg})")
            if not isinstance(post, dict) or not isinstance(post.get("text"), str) or "id" not in post:
                _fail(f'{path}:{number}: expected {{"id": ..., "text": "..."}}')
            yield number, post


def _batches(posts: Iterator[tuple[int, dict]], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for _, post in posts:
        batch.append(post)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def classify_command(
    input: Annotated[Path, typer.Option("--input", help="JSON lines {\"id\", \"text\"}; - for stdin")],
    output: Annotated[Path, typer.Option("--output", help="JSON lines {\"id\", \"score\", \"label\", \"language\"}")],
    model: Annotated[str | None, typer.Option("--model", help="a model version; default: the live one")] = None,
    models_dir: ModelsDir = None,
) -> None:
    """Score posts with the live model (offline). When a shadow version is registered and no
    --model is given, it scores the same posts too, into the shadow log (ids and scores only)."""
    registry = _registry(models_dir)
    scorer = _load(registry, model)
    shadow = None
    if model is None and registry.shadow_version:
        try:
            shadow = registry.load(registry.shadow_version)
        except (RegistryError, ModelFileError) as error:
            _say(f"warning: shadow model not run: {error}")
    shadow_log = None
    if shadow is not None:
        log_path = registry.shadow_log(shadow.version)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        shadow_log = log_path.open("a", encoding="utf-8")
    counted = flagged = 0
    try:
        with (sys.stdout if str(output) == "-" else output.open("w", encoding="utf-8")) as sink:
            for batch in _batches(_read_posts(input)):
                texts = [post["text"] for post in batch]
                verdicts = scorer.classify(texts)
                for post, verdict in zip(batch, verdicts, strict=True):
                    sink.write(json.dumps({"id": post["id"], "score": round(verdict.score, 6), "label": verdict.label,
                                           "language": verdict.language}, ensure_ascii=False) + "\n")
                    flagged += verdict.label == LABEL_POSITIVE
                counted += len(batch)
                if shadow is not None and shadow_log is not None:
                    at = datetime.now(UTC).isoformat(timespec="seconds")
                    for post, verdict, score in zip(batch, verdicts, shadow.scores(texts), strict=True):
                        shadow_log.write(shadow_record(post["id"], scorer, verdict.score, shadow, float(score), at))
    finally:
        if shadow_log is not None:
            shadow_log.close()
    _say(f"{counted} posts scored with {scorer.version}; {flagged} labelled {LABEL_POSITIVE}"
         + (f"; shadow {shadow.version} logged" if shadow is not None else ""))


@model_app.command("train")
def train_command(
    from_decisions: Annotated[bool, typer.Option("--from-decisions",
                                                 help="add the platform's own moderator decisions")] = False,
    models_dir: ModelsDir = None,
    sample: Sample = None,
    folds: Annotated[int, typer.Option(min=2, max=10)] = 5,
    bootstrap: Annotated[int, typer.Option(help="bootstrap resamples for the intervals")] = 1000,
    ship: Annotated[bool, typer.Option("--ship",
                                       help="write into the package as the shipped default (maintainers)")] = False,
) -> None:
    """Train a new version on the shipped data (and decisions); it runs in shadow until promoted."""
    registry = _registry(models_dir)
    harvest = None
    if from_decisions:
        from tanggap.config import Settings
        from tanggap.detect.decisions import harvest as harvest_decisions
        from tanggap.platforms.loader import platform_from_settings
        from tanggap.store.uow import Store

        settings = Settings()
        store = Store.for_settings(settings)
        try:
            platform = platform_from_settings(settings)
        except ValueError as error:
            _fail(f"cannot reach the platform for the posts: {error}")
        try:
            harvest = harvest_decisions(store, platform)
        finally:
            store.dispose()
            getattr(platform, "close", lambda: None)()
        _say("decisions: " + (", ".join(f"{k} {v}" for k, v in sorted(harvest.counts.items())) or "none usable"))
        if not harvest.examples:
            _fail("no decision gave a usable label (block/remove_post for terrorist content, or no_action)")
    trained = train_version(registry, harvest=harvest, sample_size=sample, config=TrainingConfig(folds=folds),
                            resamples=bootstrap, ship=ship, progress=_say)
    typer.echo(f"model {trained.model.version} written to {trained.path}")
    typer.echo(trained.evaluation.table)
    typer.echo(trained.evaluation.verdict)
    typer.echo("shipped as the packaged default" if ship else
               f"running in shadow; promote with: tanggap model promote {trained.model.version}")


@model_app.command("evaluate")
def evaluate_command(
    model: Annotated[str | None, typer.Option("--model", help="a model version; default: the live one")] = None,
    models_dir: ModelsDir = None,
    sample: Sample = None,
    bootstrap: Annotated[int, typer.Option(help="bootstrap resamples for the intervals")] = 1000,
    json_output: Annotated[Path | None, typer.Option("--json", help="also write the figures as JSON")] = None,
) -> None:
    """Precision, recall, F1, ROC AUC and the religion-hate false-positive rate on the held-out
    split, with 95 % intervals, next to the TF-IDF + logistic regression baseline."""
    scorer = _load(_registry(models_dir), model)
    train_part, test_part = held_out(sample)
    run = evaluate_against_baseline(scorer, train_part, test_part, bootstrap, progress=_say)
    typer.echo(f"held-out split: {run.examples} examples (20 %, deduplicated, stratified, fixed seed)"
               + (" - sampled" if sample else ""))
    typer.echo(run.table)
    typer.echo(run.verdict)
    if json_output is not None:
        json_output.write_text(json.dumps({"model": run.model.as_json(), "baseline": run.baseline.as_json(),
                                           "f1_difference": run.f1_difference.as_json()}, indent=2) + "\n")


@model_app.command("shadow")
def shadow_command(
    input: Annotated[Path, typer.Option("--input", help="JSON lines {\"id\", \"text\"[, \"label\"]}")],
    output: Annotated[Path | None, typer.Option("--output", help="JSON lines with both scores")] = None,
    candidate: Annotated[str | None, typer.Option("--candidate", help="default: the registered shadow version")] = None,
    models_dir: ModelsDir = None,
) -> None:
    """Score posts with the live model and a candidate side by side; nothing is acted on."""
    registry = _registry(models_dir)
    candidate = candidate or registry.shadow_version
    if candidate is None:
        _fail("no shadow version registered; name one with --candidate")
    live, shadow = _load(registry, None), _load(registry, candidate)
    posts = [post for _, post in _read_posts(input)]
    labels = [_label(post.get("label")) for post in posts]
    summary, live_scores, shadow_scores = shadow_compare(live, shadow, [p["text"] for p in posts], labels)
    if output is not None:
        with output.open("w", encoding="utf-8") as sink:
            for post, old, new in zip(posts, live_scores, shadow_scores, strict=True):
                sink.write(json.dumps({"id": post["id"],
                                       "live": {"version": live.version, "score": round(float(old), 6),
                                                "label": live.label(old)},
                                       "shadow": {"version": shadow.version, "score": round(float(new), 6),
                                                  "label": shadow.label(new)}},
                                      ensure_ascii=False) + "\n")
    for line in summary.lines():
        typer.echo(line)


def _label(value) -> int | None:
    if value in (1, True, "1", LABEL_POSITIVE):
        return 1
    if value in (0, False, "0", "none"):
        return 0
    return None


@model_app.command("promote")
def promote_command(
    version: Annotated[str, typer.Argument(help="the candidate version")],
    models_dir: ModelsDir = None,
    sample: Sample = None,
) -> None:
    """Make VERSION live only if it beats the live model on the held-out slice (F1 on radikalisme
    and on decisions not worse, religion-hate FPR not worse, one of them better)."""
    registry = _registry(models_dir)
    try:
        outcome = promote(registry, version, sample_size=sample)
    except (RegistryError, ModelFileError, ValueError) as error:
        _fail(str(error))
    typer.echo(outcome.table)
    for reason in outcome.reasons:
        typer.echo(f"- {reason}")
    if not outcome.promoted:
        _fail(f"{version} not promoted: it does not beat the live model on the held-out slice")
    typer.echo(f"{version} is live")


@model_app.command("list")
def list_command(models_dir: ModelsDir = None) -> None:
    """Every version: live, shadow, where it is, and its held-out F1 and religion-hate FPR."""
    for info in _registry(models_dir).versions():
        marks = ",".join(m for m, on in (("live", info.live), ("shadow", info.shadow)) if on) or "-"
        held = info.metrics.get("held_out", {})
        f1 = held.get("radikalisme", {}).get("f1", {}).get("value")
        fpr = held.get("religion_hate_fpr", {}).get("value")
        typer.echo(f"{info.version}  {marks:<11} {'packaged' if info.packaged else 'local':<8} {info.created}  "
                   f"F1 {f1 if f1 is not None else '-'}  religion-hate FPR {fpr if fpr is not None else '-'}"
                   f"{'  (sampled)' if info.metrics.get('sampled') else ''}")
