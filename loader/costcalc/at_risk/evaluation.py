"""``costcalc report at-risk --evaluate``: how well the at-risk rules predicted TA entry.

Reads the aggregate mart ``marts.fct_at_risk_backtest`` (docs/at-risk.md): per rule
and for the rule set, how many people were flagged at past month ends, how many
of those flags were followed by entry to temporary accommodation within the
follow-up, and precision and recall. Counts of people below the disclosure
threshold, and the figures computed from them, are suppressed
(costcalc.reports.disclosure) unless ``exact``. No client ids.
"""

from __future__ import annotations

import pandas as pd

from costcalc.reports import disclosure
from costcalc.reports.errors import ReportError
from costcalc.reports.filters import ReportFilters
from costcalc.reports.results import INT, SHARE, TEXT, Report

MART = "fct_at_risk_backtest"

#: A rule's people: flagged, and flagged then entering TA; and the people entering TA
#: at all (the same in every row), each with the figures computed over them.
RULE = disclosure.Rule(counted=(
    disclosure.Counted("flagged_clients", ("flagged", "precision")),
    disclosure.Counted("flagged_entered_ta_clients", ("flagged_entered_ta", "precision", "recall")),
    disclosure.Counted("entered_ta_clients", ("entered_ta", "recall")),
))

KINDS = {"rule": TEXT, "flagged_clients": INT, "flagged": INT, "flagged_entered_ta_clients": INT,
         "flagged_entered_ta": INT, "entered_ta_clients": INT, "entered_ta": INT, "precision": SHARE,
         "recall": SHARE}


def evaluate(con, *, exact: bool = False, threshold: int | None = None) -> Report:
    """The backtest of the at-risk rules, one row per rule and one for the rule set (first)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
                         "AND table_name = ?", [MART]).fetchone()[0]
    if not exists:
        raise ReportError(f"The warehouse has no marts.{MART}: run `costcalc build` (docs/at-risk.md).")
    raw = con.execute(
        "SELECT rule_id, rule_name, months_evaluated, first_as_at_date, last_as_at_date, follow_up_months, "
        "flagged, flagged_clients, flagged_entered_ta, flagged_entered_ta_clients, entered_ta, entered_ta_clients, "
        f"precision_rate, recall_rate FROM marts.{MART} ORDER BY rule_id").df()
    if raw.empty:
        raise ReportError(f"marts.{MART} is empty: run `costcalc build` (docs/at-risk.md).")
    first = raw.iloc[0]
    frame = pd.DataFrame({
        "rule": raw["rule_name"],
        "flagged_clients": raw["flagged_clients"], "flagged": raw["flagged"],
        "flagged_entered_ta_clients": raw["flagged_entered_ta_clients"],
        "flagged_entered_ta": raw["flagged_entered_ta"],
        "entered_ta_clients": raw["entered_ta_clients"], "entered_ta": raw["entered_ta"],
        "precision": raw["precision_rate"], "recall": raw["recall_rate"],
    })
    months = int(first["months_evaluated"] or 0)
    follow = int(first["follow_up_months"])
    if not months:
        raise ReportError(f"Nothing to backtest yet: no month end has {follow} months of temporary accommodation "
                          "data after it (docs/at-risk.md).")
    notes = [
        f"Backtest: at each of {months} month ends from {first['first_as_at_date']:%d/%m/%Y} to "
        f"{first['last_as_at_date']:%d/%m/%Y}, the rules flag clients not in temporary accommodation from the "
        f"data known by then; a flag is right when the client enters TA within {follow} months after (docs/at-risk.md).",
        "flagged, flagged_entered_ta and entered_ta count client-months (one client flagged at three month ends "
        "counts three); the *_clients columns count distinct clients. precision = flagged_entered_ta / flagged; "
        "recall = flagged_entered_ta / entered_ta.",
        "The first row is the rule set: flagged by at least one rule.",
    ]
    report = Report(name="at-risk", title="At-risk rules: backtest against entry to temporary accommodation",
                    period_from=first["first_as_at_date"], period_to=first["last_as_at_date"],
                    filters=ReportFilters(), frame=frame, kinds=KINDS, notes=notes)
    return disclosure.protect(report, RULE, exact=exact, threshold=threshold)
