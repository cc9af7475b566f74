"""Information governance: the rules of docs/contract.md §5 that software can enforce: retention and
purge, undoing a load, the load history, lookup purposes and the opt-out register."""
