"""The schema registry: ``schemas/*.yaml`` read once into plain objects.

``schemas/`` is the one description of every input schema. The loader
validates with it and dbt is driven by it (see ``costcalc.dbt_registry``,
which renders it for dbt). Nothing else in the project lists columns.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .paths import SCHEMAS_DIR, SEEDS_DIR

#: libyaml's safe loader where PyYAML has it (several times faster), else PyYAML's own.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Column types the loader knows how to parse (see ``costcalc.values``).
COLUMN_TYPES = ("text", "integer", "money", "date", "postcode", "nhs_number", "ni_number", "frequency")
KINDS = ("cost", "status")


def header_key(text: str) -> str:
    """Headers match case-, space- and underscore-insensitively (contract section 1)."""
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    mandatory: bool = False
    personal: bool = False
    aliases: tuple[str, ...] = ()
    default: str | None = None
    description: str = ""

    @functools.cached_property  # computed once per column (header matching asks often)
    def header_keys(self) -> frozenset[str]:
        return frozenset(header_key(h) for h in (self.name, *self.aliases))


@dataclass(frozen=True)
class Schema:
    code: str
    name: str
    kind: str
    description: str
    columns: tuple[Column, ...]
    identity: dict
    natural_key: tuple[str, ...]
    service_use: dict | None = None
    extract_date_column: str | None = None
    natural_key_when_blank: dict = field(default_factory=dict)
    #: the marts.dim_client flag column a record of this schema sets (``client_flag``)
    client_flag: str | None = None

    @property
    def table(self) -> str:
        """The raw table's name (in the ``raw`` schema)."""
        return self.code.lower()

    @property
    def date_pairs(self) -> tuple[tuple[str, str], ...]:
        """(start, end) date columns that must not run backwards, as declared in
        ``service_use.date_pairs`` (never guessed from column names)."""
        return tuple((s, e) for s, e in (self.service_use or {}).get("date_pairs") or ())

    @property
    def mandatory(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.mandatory)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.code} has no column {name!r}")

    def match_headers(self, headers: list[str]) -> dict[int, Column]:
        """Map header positions to this schema's columns (first match wins)."""
        found: dict[int, Column] = {}
        taken: set[str] = set()
        for pos, h in enumerate(headers):
            key = header_key(h) if h is not None else ""
            if not key:
                continue
            for c in self.columns:
                if c.name not in taken and key in c.header_keys:
                    found[pos] = c
                    taken.add(c.name)
                    break
        return found


@dataclass(frozen=True)
class Frequency:
    name: str
    synonyms: tuple[str, ...]
    multiply: int | None = None
    divide: int | None = None
    one_off: bool = False
    #: charged once per financial year (1 April - 31 March) the record overlaps
    per_financial_year: bool = False


@dataclass(frozen=True)
class FileType:
    file_type: str
    display_name: str
    schema_code: str
    allowed_providers: tuple[str, ...]  # ("*",) means any provider

    def allows(self, provider: str | None) -> bool:
        return "*" in self.allowed_providers or (provider or "") in self.allowed_providers


def _check_date_pairs(pairs, cols: list[Column], path: Path) -> None:
    """``service_use.date_pairs``: a list of [start, end] pairs of date columns."""
    if pairs is None:
        return
    types = {c.name: c.type for c in cols}
    if not isinstance(pairs, list):
        raise ValueError(f"{path.name}: service_use.date_pairs must be a list of [start, end] pairs")
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ValueError(f"{path.name}: service_use.date_pairs: {pair!r} is not a [start, end] pair")
        for name in pair:
            if types.get(name) != "date":
                raise ValueError(f"{path.name}: service_use.date_pairs: {name!r} is not a date column")


def _check_client_flag(name, path: Path) -> str | None:
    """``client_flag``: a lower-case SQL column name for marts.dim_client."""
    if name is None:
        return None
    if not (isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name)):
        raise ValueError(f"{path.name}: client_flag must be a lower-case column name (letters, digits, _)")
    return name


def _schema_from_yaml(data: dict, path: Path) -> Schema:
    cols = []
    for name, spec in (data.get("columns") or {}).items():
        spec = spec or {}
        if spec.get("type", "text") not in COLUMN_TYPES:
            raise ValueError(f"{path.name}: column {name} has unknown type {spec.get('type')!r}")
        cols.append(Column(
            name=name,
            type=spec.get("type", "text"),
            mandatory=bool(spec.get("mandatory", False)),
            personal=bool(spec.get("personal", False)),
            aliases=tuple(spec.get("aliases", ()) or ()),
            default=spec.get("default"),
            description=spec.get("description", "") or "",
        ))
    if data.get("kind") not in KINDS:
        raise ValueError(f"{path.name}: kind must be one of {KINDS}")
    _check_date_pairs((data.get("service_use") or {}).get("date_pairs"), cols, path)
    return Schema(
        code=data["code"],
        name=data["name"],
        kind=data["kind"],
        description=(data.get("description") or "").strip(),
        columns=tuple(cols),
        identity=dict(data.get("identity") or {}),
        natural_key=tuple(data.get("natural_key") or ()),
        service_use=data.get("service_use"),
        extract_date_column=data.get("extract_date_column"),
        natural_key_when_blank=dict(data.get("natural_key_when_blank") or {}),
        client_flag=_check_client_flag(data.get("client_flag"), path),
    )


@lru_cache(maxsize=None)
def load_schemas(directory: Path = SCHEMAS_DIR) -> dict[str, Schema]:
    """All schemas, keyed by code, in file-name order."""
    out: dict[str, Schema] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "frequencies.yaml":
            continue
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        schema = _schema_from_yaml(data, path)
        out[schema.code] = schema
    return out


def get_schema(code: str) -> Schema:
    schemas = load_schemas()
    try:
        return schemas[code.upper()]
    except KeyError:
        raise KeyError(f"unknown schema {code!r}; known: {', '.join(schemas)}") from None


@lru_cache(maxsize=None)
def load_frequencies(directory: Path = SCHEMAS_DIR) -> dict[str, Frequency]:
    data = yaml.load((directory / "frequencies.yaml").read_text(encoding="utf-8"), Loader=YAML_LOADER)
    return {
        name: Frequency(name=name, synonyms=tuple(spec.get("synonyms", ())),
                        multiply=spec.get("multiply"), divide=spec.get("divide"),
                        one_off=bool(spec.get("one_off", False)),
                        per_financial_year=bool(spec.get("per_financial_year", False)))
        for name, spec in data.items()
    }


@lru_cache(maxsize=None)
def load_file_types(seeds_dir: Path = SEEDS_DIR) -> dict[str, FileType]:
    """File types from ``seeds/file_types.csv`` (also a dbt seed)."""
    out: dict[str, FileType] = {}
    with open(seeds_dir / "file_types.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            providers = tuple(p.strip() for p in row["allowed_providers"].split(";") if p.strip())
            out[row["file_type"]] = FileType(row["file_type"], row["display_name"],
                                             row["schema_code"].upper(), providers)
    return out
