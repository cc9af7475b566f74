"""The at-risk rule file (docs/at-risk.md): checked with messages naming the file, the rule, the
key and the value; a bad file stops `costcalc build` before dbt runs; the shipped default is
valid; what reaches dbt is plain data (no text of the file as SQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.at_risk import rules as r
from costcalc.cli import main
from costcalc.paths import PROJECT_ENV, environment

GOOD = """\
rules:
  - name: Claim ended
    description: A housing benefit claim ended recently.
    when: {kind: housing_benefit_claim_ended, within_months: 3}
"""


def parse(text: str, name: str = "at_risk_rules.yml"):
    return r.parse_rules(text, Path(name))


def error(text: str) -> str:
    with pytest.raises(r.RulesError) as info:
        parse(text)
    message = str(info.value)
    assert message.startswith("at_risk_rules.yml: "), message
    return message


def test_the_shipped_default_is_valid_and_documented():
    from costcalc.paths import REPO_ROOT

    rule_set = r.load_rules(r.DEFAULT_RULES)
    assert len(rule_set.rules) >= 5 and (rule_set.backtest_months, rule_set.follow_up_months) == (36, 6)
    kinds = {c.kind for c in rule_set.conditions}
    assert {"housing_benefit_claim_ended", "housing_benefit_claim_started", "housing_benefit_switch",
            "troubled_families_referral", "service_used", "spend_above"} <= kinds
    doc = (REPO_ROOT / "docs" / "at-risk.md").read_text(encoding="utf-8")
    for kind in r.KINDS:
        assert f"`{kind}`" in doc, kind
    for rule in rule_set.rules:
        assert rule.name in doc, rule.name


def test_a_good_file_and_its_defaults():
    rule_set = parse(GOOD)
    assert [x.name for x in rule_set.rules] == ["Claim ended"]
    assert (rule_set.backtest_months, rule_set.follow_up_months) == (36, 6)
    assert rule_set.rules[0].tree == {"leaf": 1}


def test_combinations_number_their_conditions_across_the_whole_file():
    rule_set = parse(GOOD + """\
  - name: Both
    description: Substance misuse and high spend together.
    when:
      any:
        - {kind: troubled_families_referral, within_months: 6}
        - all:
            - {kind: service_used, service: Substance Misuse, within_months: 12}
            - {kind: spend_above, amount: 2000.5, within_months: 12, service: Adult Social Care}
""")
    both = rule_set.rules[1]
    assert both.tree == {"op": "any", "args": [{"leaf": 2}, {"op": "all", "args": [{"leaf": 3}, {"leaf": 4}]}]}
    assert [(c.condition_id, c.rule_id, c.kind) for c in rule_set.conditions] == [
        (1, 1, "housing_benefit_claim_ended"), (2, 2, "troubled_families_referral"), (3, 2, "service_used"),
        (4, 2, "spend_above")]
    assert rule_set.conditions[3].amount == 2000.5 and rule_set.conditions[3].service == "Adult Social Care"


@pytest.mark.parametrize("text, words", [
    ("rules: [", ["line", "not valid YAML"]),
    ("- a\n- b\n", ["the file", "mapping"]),
    ("rules: []\n", ["'rules'", "one or more"]),
    ("rulez: []\n", ["unexpected key 'rulez'"]),
    ("backtest: {months: 0}\n" + GOOD, ["backtest", "'months'", "1 to 120", "0"]),
    ("backtest: {follow_up_months: 99}\n" + GOOD, ["backtest", "'follow_up_months'", "99"]),
    ("backtest: {horizon: 6}\n" + GOOD, ["backtest", "unexpected key 'horizon'"]),
    (GOOD.replace("within_months: 3", "within_months: three"), ["rule 1 ('Claim ended')", "'within_months'",
                                                                 "'three'"]),
    (GOOD.replace("within_months: 3", "within_months: 0"), ["rule 1 ('Claim ended')", "'within_months'", "0"]),
    (GOOD.replace("within_months: 3", "within_months: true"), ["'within_months'", "True"]),
    (GOOD.replace(", within_months: 3", ""), ["rule 1 ('Claim ended')", "needs 'within_months'"]),
    (GOOD.replace("housing_benefit_claim_ended", "housing_benefit_claim_endde"),
     ["rule 1 ('Claim ended') > when", "key 'kind'", "'housing_benefit_claim_endde'", "housing_benefit_claim_ended"]),
    (GOOD.replace("within_months: 3", "within_months: 3, amount: 5"),
     ["unexpected key 'amount' for kind housing_benefit_claim_ended"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}", "{kind: service_used, within_months: 3}"),
     ["service_used needs 'service', 'service_type' or both"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}", "{kind: spend_above, within_months: 3}"),
     ["kind spend_above needs 'amount'"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}",
                  "{kind: spend_above, within_months: 3, amount: -5}"), ["'amount'", "-5"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}",
                  "{kind: spend_above, within_months: 3, amount: '500'}"), ["'amount'", "'500'"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}",
                  "{kind: service_used, within_months: 3, service: 'a\\\\b'}"), ["'service'", "backslashes"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}",
                  "{kind: service_used, within_months: 3, service: [x]}"), ["'service'", "must be text"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}", "{all: []}"),
     ["rule 1 ('Claim ended') > when", "'all'", "one or more"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}",
                  "{all: [{kind: troubled_families_referral, within_months: 2}, 7]}"),
     ["> when > all item 2", "mapping"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}",
                  "{all: [{kind: troubled_families_referral, within_months: 2}], kind: x}"),
     ["'all' stands alone", "'kind'"]),
    (GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}", "{within_months: 3}"),
     ["needs 'kind'"]),
    (GOOD.replace("    description: A housing benefit claim ended recently.\n", ""),
     ["rule 1 ('Claim ended')", "missing key 'description'"]),
    (GOOD.replace("A housing benefit claim ended recently.", "short"), ["'description'", "too short"]),
    (GOOD.replace("name: Claim ended", "name: ''"), ["rule 1", "'name'", "too short"]),
    (GOOD.replace("name: Claim ended", "name: \"Ended\\x07\""), ["'name'", "control characters"]),
    (GOOD + GOOD.split("rules:\n")[1].replace("Claim ended", "claim ENDED"),
     ["rule 2 ('claim ENDED')", "repeats rule 1's name"]),
    (GOOD.replace("    when:", "    weight: 3\n    when:"), ["unexpected key 'weight'"]),
])
def test_bad_files_are_refused_naming_file_rule_key_and_value(text, words):
    message = error(text)
    for word in words:
        assert word in message, (word, message)
    assert "docs/at-risk.md" in message


def test_conditions_nested_too_deep_are_refused():
    node = "{kind: troubled_families_referral, within_months: 1}"
    for _ in range(r.MAX_DEPTH):
        node = "{all: [" + node + "]}"
    assert "nested more than" in error(GOOD.replace("{kind: housing_benefit_claim_ended, within_months: 3}", node))


def test_quotes_in_names_reach_dbt_as_data_only():
    rule_set = parse(GOOD.replace("name: Claim ended", "name: \"O'Brien's rule'); DROP TABLE x; --\"")
                     .replace("within_months: 3}", "within_months: 3}\n  - name: Svc\n    description: A service "
                              "named with quotes.\n    when: {kind: service_used, service: \"Mind's \\\"Space\\\"\", "
                              "within_months: 2}"))
    macro = r.render_macro(rule_set)
    assert "{% macro at_risk_rules() %}" in macro
    assert "\"O'Brien's rule'); DROP TABLE x; --\"" in macro  # a Jinja string literal, quoted as JSON
    # the model quotes it as an SQL literal (macros/at_risk/at_risk_text.sql doubles single quotes)
    sql = (Path(__file__).resolve().parents[1] / "macros" / "at_risk" / "at_risk_text.sql").read_text()
    assert "replace(\"'\", \"''\")" in sql


def test_costcalc_at_risk_check_reports_a_bad_project_file(tmp_path):
    (tmp_path / "at_risk_rules.yml").write_text(GOOD.replace("within_months: 3", "within_months: 300"),
                                                encoding="utf-8")
    with environment({PROJECT_ENV: str(tmp_path)}):
        res = CliRunner().invoke(main, ["at-risk", "check"])
    assert res.exit_code == 1
    assert "at_risk_rules.yml: rule 1 ('Claim ended') > when: key 'within_months'" in res.output and "300" in res.output
    with environment({PROJECT_ENV: str(tmp_path / "none")}):
        ok = CliRunner().invoke(main, ["at-risk", "check"])
    assert ok.exit_code == 0 and "default_rules.yml" in ok.output and "Housing benefit claim ended" in ok.output


def test_a_bad_rule_file_stops_the_build_before_dbt_with_the_message(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "at_risk_rules.yml").write_text(GOOD.replace("housing_benefit_claim_ended", "nonsense"),
                                               encoding="utf-8")
    with environment({PROJECT_ENV: str(project)}):
        res = CliRunner().invoke(main, ["--warehouse", str(tmp_path / "wh.duckdb"), "build"])
    assert res.exit_code != 0
    assert "at_risk_rules.yml: rule 1 ('Claim ended') > when: key 'kind' has unknown value 'nonsense'" in res.output
    assert "Traceback" not in res.output
    assert not (project / ".costcalc" / "dbt" / "target" / "run_results.json").exists()
