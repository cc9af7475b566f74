"""Information governance: retention and purge, undoing a load, the load history (docs/contract.md §5)."""
