"""Where things are: flags, then environment variables, then statreturns.toml, then defaults."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from statreturns.flows.commands import Refused
from statreturns.schemas.catalogue import Catalogue, load_catalogue
from statreturns.warehouse.store import Warehouse

CONFIG_FILE = "statreturns.toml"
# Runtime data lives under var/ (warehouse, snapshot, archive) and out/ (what the office reads), never beside code.
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
    """Every path resolved once, so that the same file is the same file however a command was started."""

    inbox: Path
    warehouse: Path
    out: Path
    archive: Path
    registry: Path | None
    snapshot: Path | None = None
    # the deadline of a month's returns: this day of the next month, at this hour (24 = the day's end)
    due_day: int = 5
    due_hour: int = 24

    @cached_property
    def wh(self) -> Warehouse:
        """The warehouse these settings name, opened by whoever is handed it."""
        return Warehouse.at(self.warehouse, self.snapshot, self.archive)

    def registry_text(self) -> str | None:
        """The org registry CSV in force, or None for the built-in demo registry."""
        return self.registry.read_text(encoding="utf-8-sig") if self.registry else None

    def catalogue(self) -> Catalogue:
        """The catalogue with this installation's org registry."""
        return load_catalogue(self.registry_text())

    def as_strings(self) -> dict[str, str]:
        """The settings as the flows' ``paths`` parameter."""
        return {k: str(getattr(self, k)) for k in DEFAULTS if getattr(self, k) is not None}


def _config_file(explicit: str | None) -> Path | None:
    path = explicit or os.environ.get("STATRETURNS_CONFIG")
    if path:
        return Path(path)
    return Path(CONFIG_FILE) if Path(CONFIG_FILE).exists() else None


def load_settings(flags: dict[str, str | None], config: str | None = None) -> Settings:
    """Resolve every path; relative paths in the config file are relative to that file."""
    file = _config_file(config)
    from_file, reporting = {}, {}
    if file is not None:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
        from_file = {k: str((file.parent / v)) for k, v in doc.get("paths", {}).items() if v}
        reporting = doc.get("reporting", {})
    values = {}
    for key, default in DEFAULTS.items():
        values[key] = flags.get(key) or os.environ.get(f"STATRETURNS_{key.upper()}") or from_file.get(key) or default
    resolved = {k: Path(v).resolve() if v else None for k, v in values.items()}
    return Settings(
        inbox=resolved["inbox"],
        warehouse=resolved["warehouse"],
        out=resolved["out"],
        archive=resolved["archive"] or resolved["warehouse"].parent / "archive",
        registry=resolved["registry"],
        snapshot=resolved["snapshot"],
        **_deadline(reporting, file),
    )


class ConfigError(Refused):
    """A configuration value that cannot be used, with the file and the key: the command stops, saying so."""


def _deadline(reporting: dict, file: Path | None) -> dict[str, int]:
    """``[reporting] due_day`` (1–31) and ``due_hour`` (0–24) from the configuration file, else the defaults."""
    out = {}
    for key, low, high in (("due_day", 1, 31), ("due_hour", 0, 24)):
        value = reporting.get(key, Settings.__dataclass_fields__[key].default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"配置文件 {file} 的 [reporting] {key} 应为 {low} 至 {high} 的整数，而不是 {value!r}")
        out[key] = value
    return out
