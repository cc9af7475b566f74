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

from costcalc.paths import SCHEMAS_DIR, schema_dirs, seed_file

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
#: The identity fields a schema's ``identified_by`` combinations may name (docs/adding-a-schema.md).
IDENTIFYING_FIELDS = ("surname", "firstname", "dob", "postcode", "nhs_number", "ni_number")
#: The fields of the default combination: the schema's mandatory ones among these
#: (surname, dob and postcode for the six schemas of docs/contract.md §1).
DEFAULT_IDENTIFYING_FIELDS = ("surname", "firstname", "dob", "postcode")


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
    #: The combinations of identity fields enough to identify a person (YAML ``identified_by``;
    #: absent: the default of :func:`_identified_by`); empty for a schema with no person.
    identified_by: tuple[tuple[str, ...], ...] = ()
    #: False: never chosen by recognising a file's headers, only by its file type or
    #: ``--schema`` (YAML ``recognise_from_headers``; GS01, whose headers are GS00's).
    recognise_from_headers: bool = True
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


def _shared_spec(name: str, spec: dict, shared: dict, path: Path) -> dict:
    """A column declared ``{shared: NAME}``: the definition of NAME in ``shared_columns.yaml``
    (declared once, used by several schemas); keys given beside ``shared`` override it, except
    ``aliases``, which are added to the shared ones."""
    ref = spec["shared"]
    if ref not in shared:
        raise ValueError(f"{path.name}: column {name}: no shared column {ref!r} in {SHARED_COLUMNS_FILE} "
                         f"(known: {', '.join(shared) or 'none'})")
    own = {k: v for k, v in spec.items() if k != "shared"}
    merged = {**shared[ref], **own}
    merged["aliases"] = [*(shared[ref].get("aliases") or ()), *(own.get("aliases") or ())]
    return merged


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


def _schema_from_yaml(data: dict, path: Path, shared: dict | None = None) -> Schema:
    cols = []
    for name, spec in (data.get("columns") or {}).items():
        spec = spec or {}
        if "shared" in spec:
            spec = _shared_spec(name, spec, shared or {}, path)
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
        identified_by=_identified_by(data, cols, path),
        recognise_from_headers=bool(data.get("recognise_from_headers", True)),
        gazetteer=_check_gazetteer(data, cols, path),
    )


def _identified_by(data: dict, cols: list[Column], path: Path) -> tuple[tuple[str, ...], ...]:
    """``identified_by``: a list of combinations of identity fields (``[[surname, dob],
    [nhs_number], [ni_number, surname]]``), any one of which, filled in (and for an NHS or
    NI number valid), is enough to identify the person. Absent: one combination, the
    schema's mandatory surname, first name, dob and postcode columns (none: no
    requirement, as for a schema that describes no person)."""
    identity = data.get("identity") or {}
    spec = data.get("identified_by")
    if spec is None:
        mandatory = {c.name for c in cols if c.mandatory}
        combo = tuple(f for f in DEFAULT_IDENTIFYING_FIELDS
                      if isinstance(identity.get(f), str) and identity[f] in mandatory)
        return (combo,) if combo else ()
    where = f"{path.name}: identified_by"
    if not (isinstance(spec, list) and spec and all(isinstance(c, list) and c for c in spec)):
        raise ValueError(f"{where} must be a list of combinations, e.g. [[surname, dob], [nhs_number]]")
    names = {c.name for c in cols}
    out = []
    for combo in spec:
        for f in combo:
            if f not in IDENTIFYING_FIELDS:
                raise ValueError(f"{where}: {f!r} is not one of {', '.join(IDENTIFYING_FIELDS)}")
            if not (isinstance(identity.get(f), str) and identity[f] in names):
                raise ValueError(f"{where}: {f!r} is not in the schema's identity (identity.{f}: <column>)")
        out.append(tuple(dict.fromkeys(combo)))
    return tuple(out)


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


#: Column definitions several schemas share (a schema's column ``{shared: NAME}``).
SHARED_COLUMNS_FILE = "shared_columns.yaml"
#: YAML files beside the schemas that hold settings, not a schema.
NOT_SCHEMAS = frozenset({"frequencies.yaml", "limits.yaml", SHARED_COLUMNS_FILE})


def read_shared_columns(directories: tuple[Path, ...] | None = None) -> dict[str, dict]:
    """The shared column definitions by name: the code's ``shared_columns.yaml`` (always), with
    the definitions of the same name in ``directories`` (the project's) in their place."""
    out: dict[str, dict] = {}
    for directory in dict.fromkeys((SCHEMAS_DIR, *(directories or schema_dirs()))):
        path = Path(directory) / SHARED_COLUMNS_FILE
        if path.is_file():
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
            if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
                raise ValueError(f"{SHARED_COLUMNS_FILE}: each entry must be a column definition (a mapping)")
            out.update(data)
    return out


#: What a variant (``based_on: CODE``) never takes from its base: it must say who it is.
NOT_INHERITED = frozenset({"code", "name", "description", "based_on"})


def _variant_data(data: dict, base: dict, path: Path) -> dict:
    """A schema declared ``based_on: CODE``: the base schema's declaration with the variant's
    keys in place. ``columns`` merge column by column (a variant's ``postcode: {mandatory:
    false}`` changes only that), other mappings (``identity``, ``service_use``) key by key,
    and anything else the variant gives replaces the base's. So a variant repeats nothing."""
    out = {k: v for k, v in base.items() if k not in NOT_INHERITED}
    for key, value in data.items():
        if key == "columns":
            cols = {name: dict(spec or {}) for name, spec in (base.get("columns") or {}).items()}
            for name, spec in (value or {}).items():
                cols[name] = {**cols.get(name, {}), **(spec or {})}
            out["columns"] = cols
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = {**base[key], **value}
        else:
            out[key] = value
    out.pop("based_on", None)
    return out


def _resolve_variants(raw: dict[str, tuple[dict, Path]]) -> dict[str, tuple[dict, Path]]:
    """Every ``based_on`` resolved (a base may itself be a variant; a cycle or an unknown base
    refuses the schema with its file name)."""
    done: dict[str, tuple[dict, Path]] = {}

    def resolve(code: str, seen: tuple[str, ...]) -> dict:
        if code in done:
            return done[code][0]
        data, path = raw[code]
        base_code = data.get("based_on")
        if base_code is None:
            done[code] = (data, path)
            return data
        base_code = str(base_code).upper()
        if base_code in seen or base_code == code:
            raise ValueError(f"{path.name}: based_on {base_code} goes round in a circle ({' -> '.join((*seen, code, base_code))})")
        if base_code not in raw:
            raise ValueError(f"{path.name}: based_on {base_code}: no such schema (known: {', '.join(sorted(raw))})")
        merged = _variant_data(data, resolve(base_code, (*seen, code)), path)
        done[code] = (merged, path)
        return merged

    for code in raw:
        resolve(code, ())
    return {code: done[code] for code in raw}


def read_schemas(directories: tuple[Path, ...] | None = None) -> dict[str, Schema]:
    """All schemas, keyed by code, in file-name order, read afresh."""
    out: dict[str, Schema] = {}
    shared = read_shared_columns(directories)
    raw: dict[str, tuple[dict, Path]] = {}
    for path in schema_files(directories).values():
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        if not isinstance(data, dict) or "code" not in data:
            raise ValueError(f"{path.name}: a schema must be a mapping with a code")
        raw[str(data["code"]).upper()] = (data, path)
    for data, path in _resolve_variants(raw).values():
        schema = _schema_from_yaml(data, path, shared)
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
