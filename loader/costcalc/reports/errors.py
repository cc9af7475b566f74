"""The errors reports raise: each a message for the person who asked."""


class ReportError(Exception):
    """A report cannot be produced (no warehouse, no marts, bad filters, unknown client)."""


class ClientNotFound(ReportError):
    """The client id is not in ``marts.dim_client``."""
