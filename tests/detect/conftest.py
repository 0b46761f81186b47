"""Fixtures for the detection tests: a small model trained here, registries in tmp dirs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tanggap.detect import corpus
from tanggap.detect.registry import ModelRegistry
from tanggap.detect.training import TrainingConfig, train

SMALL = 1500  # examples: enough for both heads to learn something, a few seconds to train


@pytest.fixture(scope="session")
def base_split():
    return corpus.base_split()


@pytest.fixture(scope="session")
def small_model(base_split):
    """Trained on a stratified sample of the train part (the full training is the CLI's)."""
    train_part, _ = base_split
    return train(corpus.sample(train_part, SMALL), TrainingConfig(folds=3),
                 created=datetime(2026, 3, 31, tzinfo=UTC))


@pytest.fixture
def registry(tmp_path):
    """A models directory of its own; the packaged default model is live."""
    return ModelRegistry(tmp_path / "models")
