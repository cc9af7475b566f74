"""The `costcalc` sub-commands: argument parsing and printing only; the work is done elsewhere."""
