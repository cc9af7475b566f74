"""Where the restricted layer lives: a file of its own on DuckDB, a schema on servers.

The restricted layer is what identifies people and what records who reached
them: the identity models (``restricted.client_identity``,
``restricted.identity_records``), the match evidence (``restricted.match_links``),
the opt-out register (``restricted.optouts``) and the audit logs (``audit.*``).

- PostgreSQL / SQL Server: schemas ``restricted`` and ``audit`` of the warehouse,
  separated from analysts by the roles (``costcalc setup-roles``).
- DuckDB has no users, so the layer is a file of its own beside the warehouse,
  ``<warehouse stem>.restricted.duckdb`` (:func:`restricted_path`), created with
  permissions 0600, encrypted at rest when ``COSTCALC_RESTRICTED_KEY`` is set
  (:data:`KEY_ENV`, DuckDB's ``ENCRYPTION_KEY``). It is attached under the name
  ``restricted``: its ``main`` schema holds the identity tables and the register,
  so ``restricted.client_identity`` names the same table on every engine, and its
  ``audit`` schema the audit logs. The warehouse file keeps the raw and
  intermediate layers; the file given to analysts is the published snapshot
  (``<stem>.published.duckdb``, marts only).

While the restricted file is open for writing (:func:`restricted_connection`, and
the whole DuckDB build: ``costcalc.transform.build``), files are created with
umask 077: DuckDB's write-ahead log (``.wal``), which holds the same personal
data until the next checkpoint, is then 0600 as well.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

#: The catalog name of the restricted file on DuckDB (the schema name on servers).
RESTRICTED = "restricted"
#: The alias of the published snapshot (marts only) beside it, read-only, in restricted connections.
PUBLISHED_ALIAS = "costcalc_published"
#: The environment variable holding the restricted file's encryption key (never a file, never logged).
KEY_ENV = "COSTCALC_RESTRICTED_KEY"
#: The environment variable through which dbt's profile learns the restricted file's path.
PATH_ENV = "COSTCALC_RESTRICTED_WAREHOUSE"
#: Permissions of the restricted file.
FILE_MODE = 0o600


class RestrictedMissing(FileNotFoundError):
    """The DuckDB warehouse has no restricted file yet (it has never been built)."""


class RestrictedLocked(PermissionError):
    """The restricted file cannot be opened: encrypted and no (or the wrong) key, or in use."""


def restricted_path(warehouse: str | os.PathLike) -> Path:
    """``warehouse/costcalc.duckdb`` -> ``warehouse/costcalc.restricted.duckdb``."""
    w = Path(warehouse)
    return w.with_name(f"{w.stem}.restricted.duckdb")


def encryption_key() -> str | None:
    """The key from :data:`KEY_ENV`, or None (the file is then not encrypted)."""
    return os.environ.get(KEY_ENV) or None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def attach_sql(path: str | os.PathLike, alias: str = RESTRICTED, *, read_only: bool = False) -> str:
    """The ATTACH statement for the restricted file (with the key when one is set). Never log it."""
    options = []
    key = encryption_key()
    if key:
        options.append(f"ENCRYPTION_KEY {_literal(key)}")
    if read_only:
        options.append("READ_ONLY")
    return f"ATTACH {_literal(str(path))} AS {alias}" + (f" ({', '.join(options)})" if options else "")


#: The DuckDB extension that brings the cryptography DuckDB needs to write encrypted files
#: securely (OpenSSL); without it DuckDB can only read them.
CRYPTO_EXTENSION = "httpfs"


def load_crypto(con, *, writing: bool = True) -> None:
    """With a key set, load :data:`CRYPTO_EXTENSION` (installing it once if needed: that
    downloads it from DuckDB's extension site). When it cannot be loaded, writing is
    refused (:class:`RestrictedLocked`); the insecure fallback DuckDB offers is never used.
    Reading needs no extension."""
    import duckdb

    if not encryption_key():
        return
    for statements in ((f"LOAD {CRYPTO_EXTENSION}",), (f"INSTALL {CRYPTO_EXTENSION}", f"LOAD {CRYPTO_EXTENSION}")):
        try:
            for sql in statements:
                con.execute(sql)
            return
        except duckdb.Error:
            continue
    if writing:
        raise RestrictedLocked(
            f"{KEY_ENV} is set, but DuckDB cannot write an encrypted file securely here: its "
            f"{CRYPTO_EXTENSION} extension cannot be loaded or installed (no internet?). Install it once "
            f"(python -c \"import duckdb; duckdb.sql('INSTALL {CRYPTO_EXTENSION}')\" on a machine that "
            f"can reach extensions.duckdb.org, then copy ~/.duckdb/extensions), or unset {KEY_ENV}. "
            "Nothing was written.")


@contextmanager
def private_files():
    """Files created meanwhile (DuckDB's .wal among them) are readable by their owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def tighten(path: Path) -> None:
    """Give the restricted file (and its .wal) permissions 0600 if they are looser (POSIX)."""
    if os.name != "posix":
        return
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            if stat.S_IMODE(p.stat().st_mode) != FILE_MODE:
                os.chmod(p, FILE_MODE)
        except FileNotFoundError:
            pass


def ensure_restricted_file(path: Path) -> Path:
    """Create the restricted file if missing: made in a private temporary folder (0700),
    encrypted when a key is set, given 0600, then moved into place, so it is never
    readable by others, not even for a moment. An existing file is tightened."""
    import duckdb

    path = Path(path)
    if path.exists():
        tighten(path)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(prefix=".restricted-", dir=path.parent))
    try:
        tmp = tmpdir / path.name
        with private_files():
            con = duckdb.connect()
            try:
                load_crypto(con)
                con.execute(attach_sql(tmp, "costcalc_new"))
                con.execute("CREATE SCHEMA IF NOT EXISTS costcalc_new.audit")
                con.execute("DETACH costcalc_new")
            finally:
                con.close()
        os.chmod(tmp, FILE_MODE)
        try:
            os.link(tmp, path)  # never replaces a file another process made meanwhile
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system
            if not path.exists():
                os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    tighten(path)
    return path


def _attach(con, path: Path, *, read_only: bool, wait_seconds: float) -> None:
    import duckdb

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con.execute(attach_sql(path, read_only=read_only))
            return
        except duckdb.Error as exc:
            text = str(exc).lower()
            if "lock" in text and time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            if "lock" in text:
                raise RestrictedLocked(f"The restricted file {path.name} is in use by another process "
                                       "(a build running?). Try again when it has finished.") from None
            if "encrypt" in text or "key" in text or "not a valid duckdb database" in text:
                hint = (f"set {KEY_ENV} to its key" if not encryption_key()
                        else f"{KEY_ENV} does not hold its key")
                raise RestrictedLocked(f"The restricted file {path.name} cannot be opened: it is encrypted; "
                                       f"{hint}.") from None
            raise


def open_restricted(warehouse: str | os.PathLike, *, read_only: bool = False, wait_seconds: float = 0.0):
    """A connection in which ``restricted.<table>`` and ``audit.<table>`` name the restricted
    layer (and :func:`public_table` the published marts).

    Server engines: the warehouse connection itself. DuckDB: an in-memory connection with
    the restricted file attached as ``restricted`` (and made the default database, so that
    ``audit.*`` resolves there) and the published snapshot attached read-only, if there is
    one. It never opens the warehouse file itself, so a lookup does not wait for a load.
    :class:`RestrictedMissing` when the warehouse has not been built yet. Prefer
    :func:`restricted_connection`, which also keeps new files private."""
    from costcalc.warehouse.targets import is_server

    if is_server():
        from costcalc.warehouse.connection import open_warehouse

        return open_warehouse(path=warehouse, wait_seconds=wait_seconds)
    import duckdb

    from costcalc.transform.publish import published_path

    path = restricted_path(warehouse)
    if not path.exists():
        raise RestrictedMissing(f"No restricted file {path.name} beside the warehouse: run `costcalc build` first.")
    tighten(path)
    con = duckdb.connect()
    try:
        load_crypto(con, writing=not read_only)
        _attach(con, path, read_only=read_only, wait_seconds=wait_seconds)
        con.execute(f"USE {RESTRICTED}")
        published = published_path(warehouse)
        if published.exists():
            try:
                con.execute(f"ATTACH {_literal(str(published))} AS {PUBLISHED_ALIAS} (READ_ONLY)")
            except duckdb.Error:  # being replaced this instant, or unreadable: marts checks then say so
                pass
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def restricted_connection(warehouse: str | os.PathLike, *, read_only: bool = False, wait_seconds: float = 0.0):
    """:func:`open_restricted`, closed on exit, with new files private meanwhile."""
    with private_files():
        con = open_restricted(warehouse, read_only=read_only, wait_seconds=wait_seconds)
        try:
            yield con
        finally:
            con.close()


def public_table(con, table: str) -> str:
    """The published marts table ``table`` as named in a restricted connection."""
    return f"{PUBLISHED_ALIAS}.marts.{table}" if _is_duckdb(con) else f"marts.{table}"


def _is_duckdb(con) -> bool:
    import duckdb

    return isinstance(con, duckdb.DuckDBPyConnection)


def table_exists(con, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists as a restricted connection names it (``restricted``,
    ``audit`` or ``marts``)."""
    if _is_duckdb(con):
        catalog, inner = {"restricted": (RESTRICTED, "main"), "marts": (PUBLISHED_ALIAS, "marts")}.get(
            schema, (RESTRICTED, schema))
        sql = ("SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
               "AND table_name = ?")
        return con.execute(sql, [catalog, inner, table]).fetchone()[0] > 0
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    return con.execute(sql, [schema, table]).fetchone()[0] > 0


def table_columns(con, schema: str, table: str) -> set[str]:
    """The column names of ``schema.table`` as a restricted connection names it."""
    if _is_duckdb(con):
        catalog, inner = {"restricted": (RESTRICTED, "main")}.get(schema, (RESTRICTED, schema))
        sql = ("SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND table_schema = ? "
               "AND table_name = ?")
        return {r[0] for r in con.execute(sql, [catalog, inner, table]).fetchall()}
    sql = "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
    return {r[0] for r in con.execute(sql, [schema, table]).fetchall()}


def ensure_schemas(con) -> None:
    """The ``restricted`` and ``audit`` schemas on a server (on DuckDB ``restricted`` is the file)."""
    if _is_duckdb(con):
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        return
    con.execute("CREATE SCHEMA IF NOT EXISTS restricted")
    con.execute("CREATE SCHEMA IF NOT EXISTS audit")


# --------------------------------------------------------------------------- the build, on DuckDB


def prepare_for_build(con, warehouse: str | os.PathLike) -> None:
    """Before a DuckDB build (``con``: the warehouse file, read-write): create the restricted
    file if missing, and move what a warehouse built before the restricted file existed kept
    in its own ``restricted`` and ``audit`` schemas: the audit rows are copied into the
    restricted file (never lost; copying twice adds nothing), then both schemas are dropped
    from the warehouse file (dbt rebuilds the identity tables in the restricted file)."""
    path = ensure_restricted_file(restricted_path(warehouse))
    schemas = {r[0] for r in con.execute(
        "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()").fetchall()}
    if not schemas & {"restricted", "audit"}:
        return
    if "audit" in schemas:
        with private_files():
            _copy_audit(con, path)
    for schema in ("restricted", "audit"):
        if schema in schemas:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
    con.execute("CHECKPOINT")


def _copy_audit(con, path: Path) -> None:
    """Copy the warehouse file's audit tables into the restricted file. The restricted file is
    made the default database meanwhile, so that what is created there (the lookup log's
    sequence default) names nothing but its own file."""
    from costcalc.warehouse.raw_layer import quote

    home = con.execute("SELECT current_database()").fetchone()[0]
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
        "AND table_schema = 'audit' AND table_type = 'BASE TABLE'", [home]).fetchall()]
    if not tables:
        return
    alias = "costcalc_restricted_move"
    load_crypto(con)
    con.execute(attach_sql(path, alias))
    con.execute(f"USE {alias}")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        for table in tables:
            _copy_table(con, quote(home), alias, table)
    finally:
        con.execute(f"USE {quote(home)}")
        con.execute(f"DETACH {alias}")


def _copy_table(con, home: str, alias: str, table: str) -> None:
    from costcalc.warehouse.connection import transaction
    from costcalc.warehouse.raw_layer import quote

    have = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? "
                       "AND table_schema = 'audit' AND table_name = ?", [alias, table]).fetchone()[0]
    src, dst = f"{home}.audit.{quote(table)}", f"audit.{quote(table)}"
    with transaction(con):
        if not have:
            _create_like(con, src, table)
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? "
            "AND table_schema = 'audit' AND table_name = ? ORDER BY ordinal_position",
            [home.strip('"').replace('""', '"'), table]).fetchall()]
        listed = ", ".join(quote(c) for c in cols)
        con.execute(f"INSERT INTO {dst} ({listed}) SELECT {listed} FROM {src} "
                    f"EXCEPT ALL SELECT {listed} FROM {dst}")


def _create_like(con, src: str, table: str) -> None:
    """The audit table in the restricted file (the default database): the lookup log as
    declared, its sequence continuing after the highest id moved; any other table with the
    old one's columns."""
    from costcalc.warehouse.raw_layer import quote

    if table == "lookup_log":
        from costcalc.lookup import audit_ddl

        top = con.execute(f"SELECT coalesce(max(lookup_id), 0) FROM {src}").fetchone()[0]
        for ddl in audit_ddl(start=int(top) + 1):
            con.execute(ddl)
        return
    con.execute(f"CREATE TABLE audit.{quote(table)} AS SELECT * FROM {src} LIMIT 0")


def attach_for_reading(con, warehouse: str | os.PathLike) -> bool:
    """Attach the restricted file read-only to a connection on the warehouse file (as
    ``restricted``; audit tables are then ``restricted.audit.<table>``): for tools and
    tests that join it with the warehouse. False when there is no restricted file."""
    path = restricted_path(warehouse)
    if not path.exists():
        return False
    load_crypto(con, writing=False)
    con.execute(attach_sql(path, read_only=True))
    return True
