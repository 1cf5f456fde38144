"""The two engines the client reads, through their own Python clients: DuckDB (``duckdb``) and
Trino (``trino``). Each runs one statement and returns an Arrow table; nothing else in the
client branches on the engine.

DuckDB is opened read-only for each statement and closed after it, so a notebook never holds
the file while ``dpf build`` wants to write it; while a build holds its write lock, a read fails
at once with DPF999 (DuckDB allows one writing process and no readers beside it).
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pyarrow as pa

from .errors import warehouse_failed
from .profiles import Target


def quote(identifier: str) -> str:
    """A quoted identifier (both engines quote with double quotes, doubled inside)."""
    return '"' + identifier.replace('"', '""') + '"'


def render_relation(relation: Tuple[Optional[str], str, str]) -> str:
    return ".".join(quote(p) for p in relation if p)


class DuckDBEngine:
    def __init__(self, target: Target, project_dir: Path):
        configured = str(target.settings.get("path", "target/dev.duckdb"))
        if configured == ":memory:":
            raise warehouse_failed(f'Target "{target.name}" is an in-memory DuckDB (path: ":memory:"): nothing of it outlives the build.',
                                   "Give the target a file path: in profiles.yml, build again, then connect.")
        path = Path(configured)
        self.path = path if path.is_absolute() else project_dir / path
        self.target = target

    def query(self, sql: str, params: Optional[List[Any]] = None) -> pa.Table:
        import duckdb

        if not self.path.is_file():
            raise warehouse_failed(f'The warehouse file {self.path} of target "{self.target.name}" does not exist: the project has not been built there.',
                                   f"Run `dpf build --target {self.target.name}` in the project folder, then read again.")
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.IOException as err:
            if "lock" in str(err).lower():
                holder = re.search(r"PID (\d+)", str(err))
                raise warehouse_failed(
                    f"{self.path} is being written: another process{' (PID ' + holder.group(1) + ')' if holder else ''} holds DuckDB's write lock, "
                    "usually a `dpf build`, and DuckDB lets no one read beside a writer.",
                    "Read again when the build ends; on a shared warehouse, use a Trino target (docs/python.md#while-a-build-runs).") from None
            raise warehouse_failed(f"DuckDB cannot open {self.path}: {first_line(err)}", "Check the file is a DuckDB database that dpf built.") from None
        try:
            # Views may read through the extensions the target loads (httpfs for s3:// files).
            for extension in self.target.settings.get("extensions") or []:
                con.load_extension(str(extension))
            result = con.execute(sql, params)
            # to_arrow_table() from DuckDB 1.5 on; fetch_arrow_table() before it.
            return result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.fetch_arrow_table()
        except duckdb.Error as err:
            raise warehouse_failed(f"DuckDB refused the query: {first_line(err)}",
                                   "Fix the SQL (client.ref(\"model\") gives a model's quoted relation; client.models() lists them).") from None
        finally:
            con.close()


class TrinoEngine:
    def __init__(self, target: Target):
        s = target.settings
        self.target = target
        self.host = str(s.get("host", "localhost"))
        self.port = int(s.get("port", 8080))
        self.password = s.get("password")
        self.scheme = str(s.get("http_scheme", "https" if self.password is not None else "http"))

    def _connect(self):
        try:
            import trino
        except ImportError:
            raise warehouse_failed(f'Target "{self.target.name}" is a Trino target, and the trino package is not installed.',
                                   "pip install 'dpf-client[trino]' (or pip install trino).") from None
        s = self.target.settings
        user = str(s.get("user", "dpf"))
        auth = trino.auth.BasicAuthentication(user, str(self.password)) if self.password is not None else None
        return trino.dbapi.connect(
            host=self.host, port=self.port, user=user, catalog=self.target.database or "iceberg", schema=self.target.schema,
            http_scheme=self.scheme, auth=auth, source="dpf-python",
            http_headers={str(k): str(v) for k, v in (s.get("http_headers") or {}).items()} or None,
            session_properties={str(k): str(v) for k, v in (s.get("session_properties") or {}).items()} or None,
            verify=s.get("verify", True) is not False,
        )

    def query(self, sql: str, params: Optional[List[Any]] = None) -> pa.Table:
        import trino

        where = f"{self.scheme}://{self.host}:{self.port}"
        try:
            con = self._connect()
            try:
                cur = con.cursor()
                cur.execute(sql, params) if params else cur.execute(sql)
                rows = cur.fetchall()
                described = cur.description or []
            finally:
                con.close()
        except trino.exceptions.TrinoUserError as err:
            raise warehouse_failed(f"Trino at {where} refused the query: {err.error_name}: {first_line(err.message)}",
                                   "Fix the SQL; an Access Denied comes from the engine's access rules (`dpf grants apply`): connect as a user who may read it.") from None
        except trino.exceptions.TrinoQueryError as err:
            raise warehouse_failed(f"Trino at {where} failed the query: {err.error_name}: {first_line(err.message)}",
                                   "Run it again; if it fails the same way, the server's log says why.") from None
        except trino.exceptions.TrinoAuthError as err:
            raise warehouse_failed(f"Trino at {where} did not accept the target's user and password ({type(err).__name__}).",
                                   "Check the target's user and password in profiles.yml (a password comes from {{env 'NAME'}}).") from None
        except (trino.exceptions.TrinoConnectionError, OSError) as err:  # requests' connection errors are OSErrors
            raise warehouse_failed(f"Cannot reach Trino at {where} ({type(err).__name__}).",
                                   "Check the server is running and the target's host, port and http_scheme in profiles.yml.") from None
        except trino.exceptions.Error as err:
            raise warehouse_failed(f"Trino at {where} answered with an error ({type(err).__name__}).",
                                   "Check the target's host, port, user and password in profiles.yml.") from None
        names = [d[0] for d in described]
        columns = list(zip(*rows)) if rows else [[] for _ in names]
        return pa.Table.from_arrays([to_arrow(list(col), d[1]) for col, d in zip(columns, described)], names=names)


def to_arrow(values: List[Any], trino_type: str) -> pa.Array:
    """One column of Trino's Python values as Arrow, typed by Trino's type where that is plain."""
    wanted = _arrow_type(trino_type)
    if wanted is not None:
        try:
            return pa.array(values, type=wanted)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            pass
    return pa.array(values) if values else pa.array([], type=pa.string())


def _arrow_type(trino_type: str) -> Optional[pa.DataType]:
    t = trino_type.lower()
    simple = {"bigint": pa.int64(), "integer": pa.int32(), "smallint": pa.int16(), "tinyint": pa.int8(), "double": pa.float64(),
              "real": pa.float32(), "boolean": pa.bool_(), "date": pa.date32(), "varbinary": pa.binary()}
    if t in simple:
        return simple[t]
    if t.startswith("varchar") or t.startswith("char"):
        return pa.string()
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"timestamp\((\d+)\)", t)
    if m:
        return pa.timestamp("us" if int(m.group(1)) <= 6 else "ns")
    return None


def first_line(err: object) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
