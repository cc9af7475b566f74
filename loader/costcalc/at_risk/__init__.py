"""The at-risk list for offers of help (docs/at-risk.md): rules kept as data (rules),
their backtest report (evaluation) and the restricted, audited list of people (listing)."""
