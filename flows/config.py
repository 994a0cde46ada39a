"""Where things are: flags, then environment variables, then statreturns.toml, then defaults."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from statreturns.schemas.catalogue import Catalogue, load_catalogue
from statreturns.warehouse.publish import snapshot_path

CONFIG_FILE = "statreturns.toml"
DEFAULTS = {
    "inbox": "inbox",
    "warehouse": "var/statreturns.duckdb",
    "out": "out",
    "snapshot": None,  # beside the warehouse: <warehouse stem>.snapshot.duckdb
    "archive": None,  # beside the warehouse: <warehouse dir>/archive
    "registry": None,  # the built-in demo registry
}


@dataclass(frozen=True)
class Settings:
    inbox: Path
    warehouse: Path
    out: Path
    archive: Path
    registry: Path | None
    snapshot: Path | None = None

    @property
    def published(self) -> Path:
        """Where the read-only snapshot for analysts is published."""
        return self.snapshot or snapshot_path(self.warehouse)

    def readable(self) -> Path:
        """What queries and on-demand reports open: the published snapshot, or the warehouse before any publish."""
        return self.published if self.published.exists() else self.warehouse

    def catalogue(self) -> Catalogue:
        """The catalogue with this installation's org registry."""
        return load_catalogue(self.registry.read_text(encoding="utf-8-sig") if self.registry else None)


def _config_file(explicit: str | None) -> Path | None:
    path = explicit or os.environ.get("STATRETURNS_CONFIG")
    if path:
        return Path(path)
    return Path(CONFIG_FILE) if Path(CONFIG_FILE).exists() else None


def load_settings(flags: dict[str, str | None], config: str | None = None) -> Settings:
    """Resolve every path; relative paths in the config file are relative to that file."""
    file = _config_file(config)
    from_file = {}
    if file is not None:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
        from_file = {k: str((file.parent / v)) for k, v in doc.get("paths", {}).items() if v}
    values = {}
    for key, default in DEFAULTS.items():
        values[key] = flags.get(key) or os.environ.get(f"STATRETURNS_{key.upper()}") or from_file.get(key) or default
    warehouse = Path(values["warehouse"])
    return Settings(
        inbox=Path(values["inbox"]),
        warehouse=warehouse,
        out=Path(values["out"]),
        archive=Path(values["archive"]) if values["archive"] else warehouse.parent / "archive",
        registry=Path(values["registry"]) if values["registry"] else None,
        snapshot=Path(values["snapshot"]) if values["snapshot"] else None,
    )
