"""Information governance: the rules of docs/contract.md §5 that software can enforce."""
