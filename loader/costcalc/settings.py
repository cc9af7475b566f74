"""Project settings: ``<project dir>/costcalc.yml`` (docs/settings.md).

The project directory is ``costcalc.paths.project_dir()`` (``--project-dir``,
``$COSTCALC_PROJECT_DIR``, else the checkout; docs/project.md). A missing file, or a setting it leaves out, means the
default below. Every setting is checked: an unknown key, or a value of the
wrong kind, is an error naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from pathlib import Path

import yaml

from costcalc import paths
from costcalc.durations import DurationError, parse_duration

SETTINGS_FILE = "costcalc.yml"


class SettingsError(ValueError):
    """costcalc.yml cannot be used as it is (the message names the file and the key)."""


@dataclass(frozen=True)
class LoadingSettings:
    #: A file whose rejected rows are more than this share of its rows is rejected whole
    #: (nothing loaded). 0 rejects a file with any bad row (as --strict); 1 rejects only
    #: files with no good row. A file with no accepted row is always rejected.
    max_rejected_share: float = 0.5
    #: A load whose extract date moves its file type's latest extract date more than this many
    #: days beyond the newest date in the file's rows warns loudly (docs/watch.md).
    extract_date_gap_days: int = 45


#: The kinds of personal data outside the warehouse's raw and restricted layers that
#: ``costcalc purge`` removes after their retention period (docs/retention.md).
RETENTION_KINDS = ("loaded_files", "rejected_files", "error_reports", "rejected_values")


@dataclass(frozen=True)
class RetentionSettings:
    """How long personal data outside the warehouse's raw and restricted layers is kept
    (docs/retention.md). Durations are text with a unit (``24h``, ``30d``, ``6y``)."""

    #: Every kind below that is not set itself: ``24h`` is the 2017 tool's rule.
    personal_data: str = "30d"
    #: Files in the watched folder's ``<provider>/loaded/`` (with their sidecars).
    loaded_files: str | None = None
    #: Files in ``<provider>/rejected/``.
    rejected_files: str | None = None
    #: Error reports (``*.errors.csv``) beside them.
    error_reports: str | None = None
    #: The values of rejected rows in ``raw.rejected_rows`` (row, column and reason stay).
    rejected_values: str | None = None
    #: The audit logs (lookups, match decisions, unloads): at least AUDIT_MINIMUM.
    audit_logs: str = "6y"

    def period(self, kind: str) -> timedelta:
        """The retention period of ``kind`` (one of RETENTION_KINDS, or ``audit_logs``)."""
        return parse_duration(self.text(kind))

    def text(self, kind: str) -> str:
        """The setting as written (a kind not set takes ``personal_data``)."""
        value = getattr(self, kind)
        return str(value if value is not None else self.personal_data)


#: Bounds of the retention settings: a file is kept at least an hour (its provider must be
#: able to read its error report; ``0d`` is a typo, not a policy) and the audit logs at
#: least a year; nothing is kept "for" more than a century (a typo too).
PERSONAL_MINIMUM = timedelta(hours=1)
AUDIT_MINIMUM = timedelta(days=365)
RETENTION_MAXIMUM = timedelta(days=36500)


@dataclass(frozen=True)
class DashboardSettings:
    #: The folder the watcher republishes the dashboard into after each successful build
    #: (``costcalc publish``; docs/dashboard.md). Relative to the project directory. None: no dashboard.
    folder: str | None = None


@dataclass(frozen=True)
class DisclosureSettings:
    #: Aggregate reports and the rpt_* marts suppress counts of fewer than this many people,
    #: and every figure computed over them (docs/disclosure.md). 0 or 1 suppresses nothing.
    threshold: int = 10


@dataclass(frozen=True)
class MatchingSettings:
    #: Two wholly different first names keep two records apart without a shared valid NHS or
    #: NI number (twins stay two people). false: they are evidence against, weighed like any
    #: other, for data with no twins to keep apart whose first names are often replaced
    #: (docs/matching.md "The first-name conflict"). Passed to dbt as var match_first_name_conflict.
    first_name_conflict: bool = True


@dataclass(frozen=True)
class Settings:
    loading: LoadingSettings = LoadingSettings()
    dashboard: DashboardSettings = DashboardSettings()
    disclosure: DisclosureSettings = DisclosureSettings()
    retention: RetentionSettings = RetentionSettings()
    matching: MatchingSettings = MatchingSettings()


def settings_path() -> Path:
    return paths.project_dir() / SETTINGS_FILE


def _section(cls, data, where: str):
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise SettingsError(f"{where}: expected a mapping of settings")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise SettingsError(f"{where}: unknown setting {key!r} (known: {', '.join(known)})")
        default = getattr(cls(), key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
            need = "true or false"
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1
            need = "a number from 0 to 1"
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            need = "a whole number, 0 or more"
        if not ok:
            raise SettingsError(f"{where}.{key}: {value!r} is not {need}")
        values[key] = type(default)(value)
    return cls(**values)


def load_settings(path: Path | None = None) -> Settings:
    """The settings of ``path`` (default: the project's ``costcalc.yml``), defaults where absent."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({type(exc).__name__})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected settings as 'name: value' lines")
    sections = ("loading", "dashboard", "disclosure", "retention", "matching")
    unknown = set(data) - set(sections)
    if unknown:
        raise SettingsError(f"{path}: unknown section {sorted(unknown)[0]!r} (known: {', '.join(sections)})")
    return Settings(loading=_section(LoadingSettings, data.get("loading"), f"{path.name}: loading"),
                    dashboard=_dashboard_section(data.get("dashboard"), f"{path.name}: dashboard"),
                    disclosure=_section(DisclosureSettings, data.get("disclosure"), f"{path.name}: disclosure"),
                    retention=_retention_section(data.get("retention"), f"{path.name}: retention"),
                    matching=_section(MatchingSettings, data.get("matching"), f"{path.name}: matching"))


def _dashboard_section(data, where: str) -> DashboardSettings:
    if data is None:
        return DashboardSettings()
    if not isinstance(data, dict):
        raise SettingsError(f"{where}: expected a mapping of settings")
    for key in data:
        if key != "folder":
            raise SettingsError(f"{where}: unknown setting {key!r} (known: folder)")
    folder = data.get("folder")
    if folder is not None and (not isinstance(folder, str) or not folder.strip() or "\0" in folder):
        raise SettingsError(f"{where}.folder: {folder!r} is not a folder name")
    return DashboardSettings(folder=folder.strip() if folder else None)


def dashboard_folder(settings: Settings | None = None) -> Path | None:
    """The dashboard folder of the settings (relative names are in the project directory), or None."""
    settings = settings or load_settings()
    if not settings.dashboard.folder:
        return None
    folder = Path(settings.dashboard.folder).expanduser()
    return folder if folder.is_absolute() else paths.project_dir() / folder


def _retention_section(data, where: str) -> RetentionSettings:
    """The ``retention:`` section: every value a duration with a unit, within its bounds."""
    if data is None:
        return RetentionSettings()
    if not isinstance(data, dict):
        raise SettingsError(f"{where}: expected a mapping of settings")
    known = [f.name for f in fields(RetentionSettings)]
    for key in data:
        if key not in known:
            raise SettingsError(f"{where}: unknown setting {key!r} (known: {', '.join(known)})")
    values = {}
    for key, value in data.items():
        try:
            period = parse_duration(value)
        except DurationError as exc:
            raise SettingsError(f"{where}.{key}: {exc}") from None
        least = AUDIT_MINIMUM if key == "audit_logs" else PERSONAL_MINIMUM
        if period < least:
            what = "the audit logs are kept at least 1 year (1y)" if key == "audit_logs" else \
                "personal data is kept at least 1 hour (1h), so a provider can read their error report"
            raise SettingsError(f"{where}.{key}: {str(value)!r} is too short: {what}")
        if period > RETENTION_MAXIMUM:
            raise SettingsError(f"{where}.{key}: {str(value)!r} is too long (at most 100y)")
        values[key] = str(value).strip()
    return RetentionSettings(**values)
