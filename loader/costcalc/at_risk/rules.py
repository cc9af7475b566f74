"""The at-risk rule set: plain data in the project directory, read, checked and handed to dbt.

The rules live in ``<project>/at_risk_rules.yml`` (or, when the project has none,
the default shipped beside this module, ``default_rules.yml``). A council reads
and changes them as text: every rule has a name, a description a caseworker
understands, and a condition built from a few kinds (:data:`KINDS`) combined
with ``all`` and ``any``. Nothing in the file is ever written into SQL as code:
:func:`render_macro` hands the checked rules to dbt as a generated macro
``at_risk_rules()`` returning plain data (names, numbers), and the models turn
that data into rows (docs/at-risk.md).

A bad file is refused with a message naming the file, the rule and the key and
value at fault (:class:`RulesError`); the build then stops before dbt runs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: The rule file's name in the project directory.
RULES_FILE = "at_risk_rules.yml"
#: The default rule set, used when the project directory has no rule file.
DEFAULT_RULES = Path(__file__).resolve().parent / "default_rules.yml"

#: The condition kinds, with the keys each takes besides ``kind`` and ``within_months``
#: (required keys first; True: required).
KINDS: dict[str, dict[str, bool]] = {
    "housing_benefit_claim_started": {},
    "housing_benefit_claim_ended": {},
    "housing_benefit_switch": {},
    "troubled_families_referral": {},
    "service_used": {"service": False, "service_type": False},
    "spend_above": {"amount": True, "service": False},
}
COMBINATIONS = ("all", "any")
#: Bounds of the numbers.
MAX_WITHIN_MONTHS = 120
MAX_BACKTEST_MONTHS = 120
MAX_FOLLOW_UP_MONTHS = 24
MAX_AMOUNT = 100_000_000
MAX_NAME_CHARS = 80
MAX_TEXT_CHARS = 400
MIN_DESCRIPTION_CHARS = 10
MAX_RULES = 50
MAX_DEPTH = 4
DEFAULT_BACKTEST = {"months": 36, "follow_up_months": 6}


class RulesError(ValueError):
    """The rule file cannot be used; the message names the file, rule, key and value."""


@dataclass
class Condition:
    """One test: a kind with its settings (a leaf), given an id across the whole rule set."""

    condition_id: int
    rule_id: int
    kind: str
    within_months: int
    service: str | None = None
    service_type: str | None = None
    amount: float | None = None


@dataclass
class Rule:
    rule_id: int
    name: str
    description: str
    tree: dict                      # {"leaf": condition_id} or {"op": "all"|"any", "args": [...]}
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class RuleSet:
    source: Path
    rules: list[Rule]
    backtest_months: int
    follow_up_months: int

    @property
    def conditions(self) -> list[Condition]:
        return [c for r in self.rules for c in r.conditions]


def rules_path(project: Path | None = None) -> Path:
    """The rule file in force: the project's ``at_risk_rules.yml``, else the shipped default."""
    from costcalc.paths import project_dir

    own = Path(project if project is not None else project_dir()) / RULES_FILE
    return own if own.is_file() else DEFAULT_RULES


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    def __init__(self, path: Path):
        self.path = path
        self.next_condition = 1

    def fail(self, where: str, message: str):
        raise RulesError(f"{self.path.name}: {where}: {message} (docs/at-risk.md explains the rule file).")

    def text(self, where: str, key: str, value, *, max_chars: int, min_chars: int = 1) -> str:
        if not isinstance(value, str):
            self.fail(where, f"key {key!r} must be text, not {_shown(value)}")
        text = " ".join(value.split())
        if len(text) < min_chars:
            self.fail(where, f"key {key!r} is too short ({_shown(value)}): at least {min_chars} characters")
        if len(text) > max_chars:
            self.fail(where, f"key {key!r} is too long: at most {max_chars} characters")
        # a backslash is an escape character in some engines' string literals (Spark)
        if "\\" in text or any(unicodedata.category(ch).startswith("C") for ch in text):
            self.fail(where, f"key {key!r} must not contain backslashes or control characters: {_shown(value)}")
        return text

    def whole(self, where: str, key: str, value, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(where, f"key {key!r} must be a whole number from {low} to {high}, not {_shown(value)}")
        return value

    def condition(self, rule_id: int, where: str, node, depth: int, out: list[Condition]) -> dict:
        if not isinstance(node, dict):
            self.fail(where, f"a condition must be a mapping (kind: ..., or all: / any: a list), not {_shown(node)}")
        if depth > MAX_DEPTH:
            self.fail(where, f"conditions are nested more than {MAX_DEPTH} deep")
        combos = [k for k in COMBINATIONS if k in node]
        if combos:
            if len(node) != 1:
                extra = sorted(str(k) for k in node if k != combos[0])
                self.fail(where, f"{combos[0]!r} stands alone in its mapping; unexpected key {extra[0]!r}")
            op = combos[0]
            args = node[op]
            if not isinstance(args, list) or not args:
                self.fail(where, f"key {op!r} must be a list of one or more conditions, not {_shown(args)}")
            return {"op": op, "args": [self.condition(rule_id, f"{where} > {op} item {i}", a, depth + 1, out)
                                       for i, a in enumerate(args, 1)]}
        if "kind" not in node:
            self.fail(where, "a condition needs 'kind' (one of " + ", ".join(KINDS) + ") or 'all' / 'any'")
        kind = node["kind"]
        if kind not in KINDS:
            self.fail(where, f"key 'kind' has unknown value {_shown(kind)}: one of " + ", ".join(KINDS))
        allowed = {"kind", "within_months", *KINDS[kind]}
        for key in node:
            if key not in allowed:
                self.fail(where, f"unexpected key {str(key)!r} for kind {kind}: it takes "
                          + ", ".join(sorted(allowed)))
        if "within_months" not in node:
            self.fail(where, f"kind {kind} needs 'within_months' (how many months before the as-at date count)")
        for key, required in KINDS[kind].items():
            if required and key not in node:
                self.fail(where, f"kind {kind} needs {key!r}")
        cond = Condition(self.next_condition, rule_id, kind,
                         self.whole(where, "within_months", node["within_months"], 1, MAX_WITHIN_MONTHS))
        for key in ("service", "service_type"):
            if key in node:
                setattr(cond, key, self.text(where, key, node[key], max_chars=MAX_NAME_CHARS))
        if kind == "service_used" and cond.service is None and cond.service_type is None:
            self.fail(where, "kind service_used needs 'service', 'service_type' or both")
        if "amount" in node:
            amount = node["amount"]
            if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount <= MAX_AMOUNT \
                    or amount != amount:
                self.fail(where, f"key 'amount' must be a number of pounds from 0 to {MAX_AMOUNT:,}, "
                          f"not {_shown(amount)}")
            cond.amount = float(amount)
        self.next_condition += 1
        out.append(cond)
        return {"leaf": cond.condition_id}


def parse_rules(text: str, path: Path) -> RuleSet:
    """The rule set in ``text`` (read from ``path``), checked; ``RulesError`` saying what is wrong."""
    check = _Checker(path)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else "the file"
        raise RulesError(f"{path.name}: {at}: not valid YAML ({getattr(exc, 'problem', None) or exc}); "
                         "docs/at-risk.md explains the rule file.") from None
    if not isinstance(doc, dict):
        check.fail("the file", "it must be a mapping with 'rules:' (and optionally 'backtest:')")
    for key in doc:
        if key not in ("rules", "backtest"):
            check.fail("the file", f"unexpected key {str(key)!r}: the keys are 'rules' and 'backtest'")
    backtest = dict(DEFAULT_BACKTEST)
    given = doc.get("backtest") or {}
    if not isinstance(given, dict):
        check.fail("backtest", f"must be a mapping (months:, follow_up_months:), not {_shown(given)}")
    for key, value in given.items():
        if key == "months":
            backtest[key] = check.whole("backtest", key, value, 1, MAX_BACKTEST_MONTHS)
        elif key == "follow_up_months":
            backtest[key] = check.whole("backtest", key, value, 1, MAX_FOLLOW_UP_MONTHS)
        else:
            check.fail("backtest", f"unexpected key {str(key)!r}: the keys are 'months' and 'follow_up_months'")
    items = doc.get("rules")
    if not isinstance(items, list) or not items:
        check.fail("the file", f"key 'rules' must be a list of one or more rules, not {_shown(items)}")
    if len(items) > MAX_RULES:
        check.fail("the file", f"at most {MAX_RULES} rules")
    rules, names = [], {}
    for rule_id, item in enumerate(items, 1):
        where = f"rule {rule_id}"
        if not isinstance(item, dict):
            check.fail(where, f"a rule must be a mapping with name, description and when, not {_shown(item)}")
        if isinstance(item.get("name"), str) and item["name"].strip():
            where = f"rule {rule_id} ({' '.join(item['name'].split())[:MAX_NAME_CHARS]!r})"
        for key in item:
            if key not in ("name", "description", "when"):
                check.fail(where, f"unexpected key {str(key)!r}: a rule has name, description and when")
        for key in ("name", "description", "when"):
            if key not in item:
                check.fail(where, f"missing key {key!r}")
        name = check.text(where, "name", item["name"], max_chars=MAX_NAME_CHARS)
        if name.lower() in names:
            check.fail(where, f"key 'name' repeats rule {names[name.lower()]}'s name {name!r}: names must differ")
        names[name.lower()] = rule_id
        description = check.text(where, "description", item["description"], max_chars=MAX_TEXT_CHARS,
                                 min_chars=MIN_DESCRIPTION_CHARS)
        conditions: list[Condition] = []
        tree = check.condition(rule_id, f"{where} > when", item["when"], 1, conditions)
        rules.append(Rule(rule_id, name, description, tree, conditions))
    return RuleSet(path, rules, backtest["months"], backtest["follow_up_months"])


def load_rules(path: Path | None = None) -> RuleSet:
    """The rule set in force (:func:`rules_path`), or the one at ``path``, checked."""
    path = Path(path) if path is not None else rules_path()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RulesError(f"{path.name}: not UTF-8 text.") from None
    except OSError as exc:
        raise RulesError(f"{path.name}: cannot be read ({exc.strerror}).") from None
    return parse_rules(text, path)


def registry_data(rule_set: RuleSet) -> dict:
    """The rule set as plain data for dbt (:func:`render_macro`)."""
    return {
        "backtest": {"months": rule_set.backtest_months, "follow_up_months": rule_set.follow_up_months},
        "rules": [{"rule_id": r.rule_id, "name": r.name, "description": r.description, "tree": r.tree}
                  for r in rule_set.rules],
        "conditions": [{"condition_id": c.condition_id, "rule_id": c.rule_id, "kind": c.kind,
                        "within_months": c.within_months, "service": c.service,
                        "service_type": c.service_type, "amount": c.amount}
                       for c in rule_set.conditions],
    }


#: The generated macro, relative to the generated dbt folder.
MACRO_FILE = Path("macros") / "at_risk_rules.sql"


def render_macro(rule_set: RuleSet | None = None) -> str:
    """The generated macro ``at_risk_rules()``: the checked rule set as a dict."""
    from costcalc.transform.registry import HEADER, _jinja_literal

    rule_set = rule_set if rule_set is not None else load_rules()
    body = _jinja_literal(registry_data(rule_set), indent=1)
    return (
        f"{{# {HEADER}. Source: {rule_set.source.name} (docs/at-risk.md). #}}\n"
        "{% macro at_risk_rules() %}\n"
        "  {#- The at-risk rule set: {'backtest': {...}, 'rules': [...], 'conditions': [...]}. -#}\n"
        f"  {{{{ return({body}) }}}}\n"
        "{% endmacro %}\n"
    )
