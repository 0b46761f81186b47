"""Model versions: which one is live, which one runs in shadow, and where their files are.

Two places hold versions:

- the package (``tanggap/detect/models/<version>/``): the default model shipped with the code,
  named live by ``tanggap/detect/models/registry.json``; read-only in an installation;
- the models directory (``<var_dir>/models`` unless told otherwise): versions trained here
  (``tanggap model train``), and a ``registry.json`` that, once it exists, names the live and
  the shadow version and keeps the history of promotions.

A version directory holds ``model.npz``, ``manifest.json`` and ``MODEL_CARD.md``; one trained
from decisions also keeps its decision hold-out (``decisions_holdout.jsonl``) so a promotion can
be judged later without the platform.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tanggap.detect.model import MANIFEST_FILE, TerrorismModel

PACKAGED_DIR = Path(__file__).parent / "models"
REGISTRY_FILE = "registry.json"
SHADOW_DIR = "shadow"
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")


class RegistryError(Exception):
    pass


@dataclass(frozen=True)
class VersionInfo:
    version: str
    path: Path
    packaged: bool
    created: str
    live: bool
    shadow: bool
    metrics: dict


def _write_json(path: Path, content: dict) -> None:
    """Atomically: a reader never sees half a registry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".registry-", suffix=".json")
    with os.fdopen(handle, "w") as stream:
        stream.write(json.dumps(content, indent=2, ensure_ascii=False) + "\n")
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


class ModelRegistry:
    def __init__(self, directory: Path, packaged: Path = PACKAGED_DIR):
        self.directory = Path(directory)
        self.packaged = Path(packaged)
        self._loaded: dict[str, TerrorismModel] = {}

    # -- the registry file

    def state(self) -> dict:
        own = self.directory / REGISTRY_FILE
        if own.exists():
            return json.loads(own.read_text())
        shipped = self.packaged / REGISTRY_FILE
        if shipped.exists():
            return {"live": json.loads(shipped.read_text())["live"], "shadow": None, "history": []}
        raise RegistryError(f"no {REGISTRY_FILE} in {self.directory} or {self.packaged}: train a model first")

    def _save_state(self, state: dict) -> None:
        _write_json(self.directory / REGISTRY_FILE, state)

    def _record(self, state: dict, action: str, version: str, **detail) -> None:
        state.setdefault("history", []).append(
            {"at": datetime.now(UTC).isoformat(timespec="seconds"), "action": action, "version": version, **detail})

    @property
    def live_version(self) -> str:
        return self.state()["live"]

    @property
    def shadow_version(self) -> str | None:
        return self.state().get("shadow")

    # -- versions

    def path_of(self, version: str) -> Path:
        if not VERSION.match(version):
            raise RegistryError(f"{version!r} is not a model version name")
        for base in (self.directory, self.packaged):
            if (base / version / MANIFEST_FILE).exists():
                return base / version
        raise RegistryError(f"no model version {version!r} in {self.directory} or {self.packaged}")

    def load(self, version: str | None = None) -> TerrorismModel:
        version = version or self.live_version
        if version not in self._loaded:
            self._loaded[version] = TerrorismModel.load(self.path_of(version))
        return self._loaded[version]

    def versions(self) -> list[VersionInfo]:
        try:
            state = self.state()
        except RegistryError:
            state = {"live": None, "shadow": None}
        found: dict[str, VersionInfo] = {}
        for base, packaged in ((self.packaged, True), (self.directory, False)):
            if not base.is_dir():
                continue
            for manifest_path in sorted(base.glob(f"*/{MANIFEST_FILE}")):
                manifest = json.loads(manifest_path.read_text())
                version = manifest["version"]
                found[version] = VersionInfo(version, manifest_path.parent, packaged, manifest.get("created", ""),
                                             version == state.get("live"), version == state.get("shadow"),
                                             manifest.get("evaluation", {}))
        return sorted(found.values(), key=lambda info: (info.created, info.version))

    def add(self, model: TerrorismModel, card: str, extra_files: dict[str, str] | None = None,
            shadow: bool = True) -> Path:
        """Save a new version here; it runs in shadow until promoted."""
        target = self.directory / model.version
        if target.exists():
            raise RegistryError(f"version {model.version} already exists in {self.directory}")
        model.save(target)
        (target / "MODEL_CARD.md").write_text(card)
        for name, content in (extra_files or {}).items():
            (target / name).write_text(content)
        try:
            state = self._own_state()
        except RegistryError:  # the first model anywhere: nothing to run in shadow of
            state = {"live": model.version, "shadow": None, "history": []}
            self._record(state, "first", model.version)
            self._save_state(state)
            return target
        if shadow:
            state["shadow"] = model.version
            self._record(state, "shadow", model.version)
            self._save_state(state)
        return target

    def _own_state(self) -> dict:
        state = self.state()
        return {"live": state["live"], "shadow": state.get("shadow"), "history": list(state.get("history", []))}

    def set_live(self, version: str, **detail) -> None:
        self.path_of(version)
        state = self._own_state()
        previous = state["live"]
        state["live"] = version
        if state.get("shadow") == version:
            state["shadow"] = None
        self._record(state, "promote", version, previous=previous, **detail)
        self._save_state(state)

    def set_shadow(self, version: str | None) -> None:
        if version is not None:
            self.path_of(version)
        state = self._own_state()
        state["shadow"] = version
        self._record(state, "shadow" if version else "shadow_cleared", version or "")
        self._save_state(state)

    def shadow_log(self, version: str) -> Path:
        return self.directory / SHADOW_DIR / f"{version}.jsonl"
