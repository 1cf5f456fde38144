"""The client: one project, one target, optionally one role.

``dpf.connect()`` reads the project's files once (dpf_project.yml, profiles.yml, target/
manifest.json, and with a role roles.yml and classifications.yml); each ``table()`` or ``sql()``
then runs one statement on the target's engine and returns pandas, polars or Arrow.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, List, Optional, Sequence, Union

import pyarrow as pa

from .access import Access
from .engines import DuckDBEngine, TrinoEngine, quote, render_relation
from .errors import DpfError, unknown_name, warehouse_failed
from .manifest import Manifest, Model
from .profiles import Target, load_target, read_project

FORMATS = ("pandas", "polars", "arrow")


def connect(project_dir: Union[str, os.PathLike] = ".", target: Optional[str] = None, role: Optional[str] = None,
            profiles_dir: Optional[Union[str, os.PathLike]] = None) -> "Client":
    """A client for the dpf project in ``project_dir``, reading ``target`` (default: the profile's),
    as ``role`` (a role of roles.yml; None: no check by the client)."""
    return Client(Path(project_dir), target, role, None if profiles_dir is None else str(profiles_dir))


class Client:
    def __init__(self, project_dir: Path, target: Optional[str], role: Optional[str], profiles_dir: Optional[str]):
        self.project_dir = project_dir.resolve()
        project = read_project(self.project_dir)
        self.target: Target = load_target(self.project_dir, project, target, profiles_dir)
        self.manifest = Manifest(self.project_dir)
        self.manifest.check_target(self.project_dir, self.target.name, self.target.type)
        self.role = role
        self._access = Access(self.project_dir, self.manifest, role, self.target.schema) if role is not None else None
        self._engine = DuckDBEngine(self.target, self.project_dir) if self.target.type == "duckdb" else TrinoEngine(self.target)
        self._warned_sql = False

    def __repr__(self) -> str:  # never the settings: they hold the password
        role = f", role={self.role!r}" if self.role else ""
        return f"<dpf.Client {self.project_dir.name} target={self.target.name!r} ({self.target.type}){role}>"

    # -- the catalog

    def models(self) -> List[Model]:
        """Every model, seed and snapshot with a relation, by name, with descriptions and columns."""
        return sorted(self.manifest.models.values(), key=lambda m: m.name)

    def model(self, name: str) -> Model:
        """One model's details (its columns with their classifications, relation, owner, ...)."""
        return self.manifest.model(name)

    def ref(self, name: str) -> str:
        """The model's relation, quoted for the target's engine: for SQL written by hand."""
        return render_relation(self._relation(self.manifest.model(name)))

    def readable_columns(self, name: str) -> List[str]:
        """The model's columns, less those the role may not read in clear (all of them without a
        role); DPF998 when the role may not read the model at all. Asks the engine for the columns."""
        model = self.manifest.model(name)
        refused = {c.name.lower() for c in self._access.decide(model).refused} if self._access else set()
        names = self._engine.query(f"select * from {render_relation(self._relation(model))} limit 0").column_names
        return [c for c in names if c.lower() not in refused]

    # -- data

    def table(self, name: str, columns: Optional[Sequence[str]] = None, limit: Optional[int] = None, format: str = "pandas") -> Any:
        """A model's rows. With a role, refused (DPF998) when the role may not read the model or one of
        the columns asked for (all of them when ``columns`` is None); the role's row filter applies."""
        fmt = self._format(format)
        if isinstance(columns, str):
            columns = [columns]
        model = self.manifest.model(name)
        decision = self._access.check(model, columns) if self._access else None
        listed = "*" if columns is None else ", ".join(quote(c) for c in columns)
        if columns is not None and len(columns) == 0:
            raise DpfError("DPF103", "Invalid value", f'client.table("{name}", columns=[]) asks for no column.', "Pass the columns to read, or columns=None for all of them.")
        sql = f"select {listed} from {render_relation(self._relation(model))}"
        if decision and decision.row_filter:
            sql += f" where {decision.row_filter}"
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
                raise DpfError("DPF103", "Invalid value", f"limit={limit!r} is not a whole number of rows.", "Pass limit=1000, or leave it out for every row.")
            sql += f" limit {limit}"
        return convert(self._engine.query(sql), fmt)

    def sql(self, query: str, params: Optional[List[Any]] = None, format: str = "pandas") -> Any:
        """The rows of one SQL statement, run as written (``?`` placeholders take ``params``). With a
        role, nothing in the SQL is checked by the client: the engine's access rules are what holds."""
        fmt = self._format(format)
        if self._access and not self._warned_sql:
            self._warned_sql = True
            warnings.warn(f'client.sql() runs SQL as written: role "{self.role}" is checked by client.table() only; '
                          "on Trino the engine's access rules for the connecting user apply (docs/python.md#roles).", stacklevel=2)
        return convert(self._engine.query(query, params), fmt)

    def _relation(self, model: Model):
        # On Trino a relation without a database is in the target's catalog.
        database, schema, identifier = model.relation
        if database is None and self.target.type == "trino":
            database = self.target.database
        return (database, schema, identifier)

    @staticmethod
    def _format(format: str) -> str:
        if format not in FORMATS:
            raise unknown_name("format", str(format), FORMATS, 'Pass format="pandas" (the default), "polars" or "arrow".', owner="The client")
        return format


def convert(table: pa.Table, fmt: str) -> Any:
    if fmt == "arrow":
        return table
    if fmt == "polars":
        try:
            import polars
        except ImportError:
            raise warehouse_failed('format="polars" needs the polars package, which is not installed.', "pip install 'dpf-client[polars]' (or pip install polars).") from None
        return polars.from_arrow(table)
    return table.to_pandas()
