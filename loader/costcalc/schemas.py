"""The schema registry: ``schemas/*.yaml`` read once into plain objects.

``schemas/`` is the one description of every input schema. The loader
validates with it and dbt is driven by it (see ``costcalc.transform.registry``,
which renders it for dbt). Nothing else in the project lists columns.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from costcalc.paths import schema_dirs, seed_file

#: libyaml's safe loader where PyYAML has it (several times faster), else PyYAML's own.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Column types the loader knows how to parse (see ``costcalc.ingest.values``).
COLUMN_TYPES = ("text", "integer", "money", "date", "postcode", "nhs_number", "ni_number", "frequency", "uprn")
#: cost and status schemas describe people (records of a client); a gazetteer is a
#: reference list of addresses (UPRN, address lines, postcode): it has no person,
#: is never costed and never matched (docs/households.md "Gazetteer").
KINDS = ("cost", "status", "gazetteer")
#: The kinds whose rows are records of a person.
PERSON_KINDS = ("cost", "status")


def header_key(text: str) -> str:
    """Headers match case-, space- and underscore-insensitively (docs/contract.md §1)."""
    return re.sub(r"[\s_\-]+", "", str(text)).lower()


_SMALL_WORDS = {"of", "and", "or", "per", "in", "to"}
_ACRONYMS = {"ni", "nhs", "id", "asc", "uprn", "psr", "hb", "no"}


def _display_word(word: str, i: int) -> str:
    if word in _ACRONYMS and word != "no":
        return word.upper()
    if word == "no":
        return "No"
    if i and word in _SMALL_WORDS:
        return word
    return word[:1].upper() + word[1:]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    mandatory: bool = False
    personal: bool = False
    aliases: tuple[str, ...] = ()
    default: str | None = None
    description: str = ""
    #: Headers that probably mean this column but are not accepted as it (YAML
    #: ``looks_like``): a file using one is told "did you mean ...?".
    looks_like: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """The header a provider is asked for: the first alias, else the name (underscores
        as spaces), in title case."""
        words = (self.aliases[0] if self.aliases else self.name.replace("_", " ")).split()
        return " ".join(_display_word(w, i) for i, w in enumerate(words))

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
    #: 'refuse': a file with a header this schema does not know is refused (YAML ``unknown_headers``).
    unknown_headers: str = "allow"
    #: A gazetteer's columns (kind ``gazetteer`` only): ``{uprn: c, address: [c, ...], postcode: c}``.
    gazetteer: dict | None = None

    @property
    def is_person(self) -> bool:
        """Its rows are records of a person (cost and status schemas; not a gazetteer)."""
        return self.kind in PERSON_KINDS

    @property
    def service_use_column(self) -> dict[str, str]:
        """Service-use fields mapped straight to one column (``{column: c}``): field -> column."""
        out = {}
        for key, spec in (self.service_use or {}).items():
            if isinstance(spec, dict) and "column" in spec:
                out[key] = spec["column"]
        return out

    @property
    def fixed_frequency(self) -> str | None:
        """The frequency the schema declares for every row (``frequency: {value: ...}``)."""
        spec = (self.service_use or {}).get("frequency")
        return spec.get("value") if isinstance(spec, dict) else None

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
    #: The frequency of this data set's costs when the file has no frequency column,
    #: or a cell of it is blank (blank: none declared).
    frequency: str | None = None
    #: 'refuse': a file with a header the schema does not know is refused; else 'allow'.
    unknown_headers: str = "allow"

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


def _check_gazetteer(data: dict, cols: list[Column], path: Path) -> dict | None:
    """``gazetteer``: present exactly on a schema of kind gazetteer, naming its UPRN column
    (type uprn), its address lines (text, in order) and its postcode column; a gazetteer
    describes no person, so it has no identity and no service use."""
    spec = data.get("gazetteer")
    if data.get("kind") != "gazetteer":
        if spec is not None:
            raise ValueError(f"{path.name}: only a schema of kind gazetteer has a gazetteer section")
        return None
    if not isinstance(spec, dict):
        raise ValueError(f"{path.name}: a gazetteer schema needs a gazetteer section (uprn, address, postcode)")
    if data.get("identity") or data.get("service_use") or data.get("client_flag"):
        raise ValueError(f"{path.name}: a gazetteer schema describes no person: no identity, service_use or client_flag")
    types = {c.name: c.type for c in cols}
    lines = spec.get("address")
    if types.get(spec.get("uprn")) != "uprn":
        raise ValueError(f"{path.name}: gazetteer.uprn must name a column of type uprn")
    if types.get(spec.get("postcode")) != "postcode":
        raise ValueError(f"{path.name}: gazetteer.postcode must name a column of type postcode")
    if not (isinstance(lines, list) and lines and all(types.get(c) == "text" for c in lines)):
        raise ValueError(f"{path.name}: gazetteer.address must list the address line columns (text), first line first")
    return {"uprn": spec["uprn"], "address": list(lines), "postcode": spec["postcode"]}


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
            looks_like=tuple(spec.get("looks_like", ()) or ()),
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
        unknown_headers=_unknown_headers_option(data.get("unknown_headers"), path.name),
        client_flag=_check_client_flag(data.get("client_flag"), path),
        gazetteer=_check_gazetteer(data, cols, path),
    )


UNKNOWN_HEADER_OPTIONS = ("allow", "refuse")


def _unknown_headers_option(value, where: str) -> str:
    value = (value or "allow").strip().lower()
    if value not in UNKNOWN_HEADER_OPTIONS:
        raise ValueError(f"{where}: unknown_headers must be one of {UNKNOWN_HEADER_OPTIONS}, not {value!r}")
    return value


@dataclass(frozen=True)
class DateLimits:
    """The plausible-date window of schemas/limits.yaml (docs/loading.md)."""
    max_years_after_extract: int
    earliest: _dt.date
    max_age_years: int

    def latest_service_date(self, extract: _dt.date) -> _dt.date:
        return _add_years(extract, self.max_years_after_extract)

    def earliest_birth_date(self, extract: _dt.date) -> _dt.date:
        return _add_years(extract, -self.max_age_years)


def _add_years(d: _dt.date, years: int) -> _dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def load_date_limits(directory: Path | None = None) -> DateLimits:
    """The plausible-date window: ``limits.yaml``, the project's where it has one, else the code's."""
    if directory is not None:
        return _cached_date_limits(Path(directory) / "limits.yaml")
    return _cached_date_limits([d / "limits.yaml" for d in schema_dirs() if (d / "limits.yaml").is_file()][-1])


@lru_cache(maxsize=None)
def _cached_date_limits(path: Path) -> DateLimits:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    dates = data["dates"]
    earliest = dates["earliest"]
    if not isinstance(earliest, _dt.date):
        earliest = _dt.date.fromisoformat(str(earliest))
    return DateLimits(int(dates["max_years_after_extract"]), earliest, int(dates["max_age_years"]))


def schema_files(directories: tuple[Path, ...] | None = None) -> dict[str, Path]:
    """Schema YAML files by file name: the code's, then the project's (a project file of the
    same name overrides the code's)."""
    files: dict[str, Path] = {}
    for directory in directories or schema_dirs():
        for path in sorted(Path(directory).glob("*.yaml")):
            if path.name not in NOT_SCHEMAS:
                files[path.name] = path
    return dict(sorted(files.items()))


#: YAML files beside the schemas that hold settings, not a schema.
NOT_SCHEMAS = frozenset({"frequencies.yaml", "limits.yaml"})


def read_schemas(directories: tuple[Path, ...] | None = None) -> dict[str, Schema]:
    """All schemas, keyed by code, in file-name order, read afresh."""
    out: dict[str, Schema] = {}
    for path in schema_files(directories).values():
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        schema = _schema_from_yaml(data, path)
        out[schema.code] = schema
    return out


def load_schemas(directory: Path | None = None) -> dict[str, Schema]:
    """All schemas, keyed by code (cached per set of folders; ``directory`` reads one folder only)."""
    return _cached_schemas((Path(directory),) if directory is not None else schema_dirs())


@lru_cache(maxsize=None)
def _cached_schemas(directories: tuple[Path, ...]) -> dict[str, Schema]:
    return read_schemas(directories)


def get_schema(code: str) -> Schema:
    schemas = load_schemas()
    try:
        return schemas[code.upper()]
    except KeyError:
        raise KeyError(f"unknown schema {code!r}; known: {', '.join(schemas)}") from None


def frequencies_file(directory: Path | None = None) -> Path:
    """``frequencies.yaml``: the project's where it has one, else the code's."""
    if directory is not None:
        return Path(directory) / "frequencies.yaml"
    found = [d / "frequencies.yaml" for d in schema_dirs() if (d / "frequencies.yaml").is_file()]
    return found[-1]


def load_frequencies(directory: Path | None = None) -> dict[str, Frequency]:
    return _cached_frequencies(frequencies_file(directory))


@lru_cache(maxsize=None)
def _cached_frequencies(path: Path) -> dict[str, Frequency]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    return {
        name: Frequency(name=name, synonyms=tuple(spec.get("synonyms", ())),
                        multiply=spec.get("multiply"), divide=spec.get("divide"),
                        one_off=bool(spec.get("one_off", False)),
                        per_financial_year=bool(spec.get("per_financial_year", False)))
        for name, spec in data.items()
    }


def load_file_types(seeds_dir: Path | None = None) -> dict[str, FileType]:
    """File types from the project's ``seeds/file_types.csv`` (else the shipped one; also a dbt seed)."""
    return _cached_file_types(Path(seeds_dir) / "file_types.csv" if seeds_dir is not None
                              else seed_file("file_types.csv"))


@lru_cache(maxsize=None)
def _cached_file_types(path: Path) -> dict[str, FileType]:
    out: dict[str, FileType] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            providers = tuple(p.strip() for p in row["allowed_providers"].split(";") if p.strip())
            frequency = (row.get("frequency") or "").strip() or None
            if frequency is not None and frequency not in load_frequencies():
                raise ValueError(f"file_types.csv: file type {row['file_type']}: unknown frequency {frequency!r} "
                                 f"(known: {', '.join(load_frequencies())})")
            out[row["file_type"]] = FileType(
                row["file_type"], row["display_name"], row["schema_code"].upper(), providers, frequency,
                _unknown_headers_option(row.get("unknown_headers"), f"file_types.csv: {row['file_type']}"))
    return out


#: Functions that forget what other modules derived from the registry (:func:`on_clear_caches`).
_CLEAR_HOOKS: list = []


def on_clear_caches(forget):
    """Register ``forget()`` to run with :func:`clear_caches` (a module's own cache of
    something read here, e.g. the loader's frequency spellings)."""
    _CLEAR_HOOKS.append(forget)
    return forget


def clear_caches() -> None:
    """Forget what was read (a long-running process, or a changed project directory)."""
    for f in (_cached_schemas, _cached_frequencies, _cached_file_types, _cached_date_limits):
        f.cache_clear()
    for forget in _CLEAR_HOOKS:
        forget()
