"""A warehouse engine as the tests select it (the ``engine`` fixture of tests/conftest.py)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from costcalc.paths import environment


@dataclass(frozen=True)
class Engine:
    """A warehouse engine and the environment that selects it (COSTCALC_TARGET and its settings)."""

    name: str
    env: dict = field(default_factory=dict)

    @contextmanager
    def selected(self):
        """Select this engine for the loader, dbt, reports and lookup inside the block."""
        with environment({"COSTCALC_TARGET": self.name, **self.env}):
            yield self

    def open(self, warehouse=None, **kw):
        """The engine's warehouse (the DuckDB file ``warehouse``; a server ignores it)."""
        from costcalc.warehouse.connection import open_warehouse

        with self.selected():
            return open_warehouse(self.name, warehouse, **kw)
