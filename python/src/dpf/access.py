"""What a role may read through the client, from roles.yml, classifications.yml and the
manifest's governance, by the rules of docs/governance.md#access-by-role (src/governance/access/
plan-access.ts decides the same for the engines):

- a role reads the models its ``read:`` selects (all without ``select:``), less ``exclude:``,
  in its ``schemas:``, up to its ``up_to`` level (a model's level is its highest column's);
- in such a model, a classified column is readable when the role is among the readers of the
  column's level and of each kind of personal data it carries (no readers: anyone);
- a managing role reads everything.

The client refuses rather than masks: a column the role would see masked or hidden on the engine
is an error naming it (DPF998), and the caller leaves it out with ``columns=``. Selectors are
evaluated here for the forms roles name models by (name, folder, ``tag:``, ``path:``, ``fqn:``,
``config.<key>:``, ``resource_type:``, ``unique_id:``, with ``+``/``@`` over the DAG); one that
needs a state or run results cannot be decided from the manifest, and the client refuses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from .errors import DpfError, access_refused, unknown_name
from .manifest import Column, Manifest, Model
from .profiles import read_yaml


@dataclass(frozen=True)
class Decision:
    """What a role reads of a model it may read: the columns it may not read in clear, and the
    row filter roles.yml gives it, if any."""
    role: str
    refused: Tuple[Column, ...]
    row_filter: Optional[str]


class Access:
    def __init__(self, project_dir: Path, manifest: Manifest, role: str, target_schema: str):
        self.role = role
        self.target_schema = target_schema
        self.manifest = manifest
        roles_file = project_dir / "roles.yml"
        if not roles_file.is_file():
            raise DpfError("DPF973", "No roles.yml", f'role="{role}" was given, and {project_dir} has no roles.yml.',
                           "Connect without role=, or declare the roles in roles.yml (docs/governance.md#access-by-role).")
        self.file = str(roles_file)
        roles = (read_yaml(roles_file) or {}).get("roles") or []
        by_name = {r.get("name"): r for r in roles if isinstance(r, dict)}
        if role not in by_name:
            raise unknown_name("role", role, [n for n in by_name if n], "Pass one of the roles declared in roles.yml as role=.", self.file, owner="roles.yml")
        self.spec: Dict[str, Any] = by_name[role]
        classifications = project_dir / "classifications.yml"
        self.classifications: Dict[str, Any] = (read_yaml(classifications) or {}) if classifications.is_file() else {}
        self.levels: List[str] = list(manifest.governance.get("levels") or [l.get("name") for l in self.classifications.get("levels") or []])

    def check(self, model: Model, columns: Optional[Sequence[str]]) -> Decision:
        """The decision for reading ``columns`` of model (None: all of them); DPF998 when refused."""
        decision = self.decide(model)
        wanted = None if columns is None else {c.lower() for c in columns}
        hidden = [c for c in decision.refused if wanted is None or c.name.lower() in wanted]
        if hidden:
            named = ", ".join(f'"{c.name}" ({self._describe(c)})' for c in hidden)
            raise access_refused(
                f'Role "{self.role}" may not read column{"s" if len(hidden) > 1 else ""} {named} of "{model.name}" in clear.',
                f"Leave {'them' if len(hidden) > 1 else 'it'} out: client.table(\"{model.name}\", columns=client.readable_columns(\"{model.name}\")); "
                f"or, where `dpf grants apply` made them, query the role's masked views ({self.target_schema}_{self.role}.{model.name} on DuckDB).",
                self.file)
        return decision

    def decide(self, model: Model) -> Decision:
        """Whether the role reads model at all (DPF998 if not), and which of its columns it may not read in clear."""
        if self.spec.get("manage"):
            return Decision(self.role, (), None)
        read = self.spec.get("read")
        if not isinstance(read, dict):
            raise access_refused(f'Role "{self.role}" reads nothing: it has no read: in roles.yml, so it may not read "{model.name}".',
                                 "Connect with a role that reads this model, or ask the project's owners to give this role a read: in roles.yml.", self.file)
        if not self._selects(read, model):
            raise access_refused(f'Role "{self.role}" may not read "{model.name}": roles.yml\'s read: for it does not select this model.',
                                 "Connect with a role that reads it (the data owners decide who does: roles.yml), or read a model it selects.", self.file)
        up_to = read.get("up_to")
        limit = -1 if not self.levels else (self.levels.index(up_to) if up_to in self.levels else 0)
        level = self._model_level(model)
        if level > limit:
            raise access_refused(
                f'Role "{self.role}" may not read "{model.name}": it is {self.levels[level]} (its column "{self._top_column(model, level)}"), '
                f"above what the role reads (up to {self.levels[limit] if limit >= 0 else 'unclassified models only'}).",
                "Connect with a role whose read: up_to covers it, or read a model without that column (an aggregate).", self.file)
        refused = tuple(c for c in model.columns if (c.classification or c.pii) and not self._reads_in_clear(c.classification, c.pii))
        filters = [f.get("where") for f in read.get("filters") or [] if isinstance(f, dict) and f.get("model") == model.name and f.get("where")]
        return Decision(self.role, refused, " and ".join(f"({w})" for w in filters) if filters else None)

    # -- levels and readers

    def _model_level(self, model: Model) -> int:
        return max([-1] + [self.levels.index(c.classification) for c in model.columns if c.classification in self.levels])

    def _top_column(self, model: Model, level: int) -> str:
        return next(c.name for c in model.columns if c.classification == self.levels[level])

    def _reads_in_clear(self, level: Optional[str], pii: Sequence[str]) -> bool:
        if not self.classifications:
            return True

        def allows(rules: List[Dict[str, Any]], name: Optional[str]) -> bool:
            rule = next((r for r in rules if r.get("name") == name), None)
            readers = (rule or {}).get("readers") or []
            return not readers or self.role in readers

        return allows(self.classifications.get("levels") or [], level) and all(allows(self.classifications.get("pii") or [], kind) for kind in pii)

    @staticmethod
    def _describe(column) -> str:
        kinds = f"personal data: {', '.join(column.pii)}; " if column.pii else ""
        return f"{kinds}{column.classification or 'classified'}"

    # -- selectors (src/compiler/select-nodes.ts, the forms roles use)

    def _selects(self, read: Dict[str, Any], model: Model) -> bool:
        schemas = read.get("schemas")
        if schemas is not None and model.relation[1] not in schemas:
            return False
        if read.get("select") is not None and model.unique_id not in self._select(read["select"]):
            return False
        return model.unique_id not in self._select(read.get("exclude") or [])

    def _select(self, selectors: Sequence[str]) -> Set[str]:
        chosen: Set[str] = set()
        for selector in selectors:
            for term in str(selector).split():
                sets = [self._atom(atom) for atom in term.split(",") if atom]
                if sets:
                    chosen |= set.intersection(*sets)
        return chosen

    def _atom(self, raw: str) -> Set[str]:
        m = re.fullmatch(r"(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?", raw)
        if not m:
            raise self._undecidable(raw)
        at, parents, body, children = m.groups()
        method, value = ("default", body)
        if ":" in body:
            method, value = body.split(":", 1)
        elif "/" in body or re.search(r"\.(sql|csv)$", body):
            method = "path"
        nodes = self.manifest.data["nodes"]
        base = {uid for uid, node in nodes.items() if self._matches(node, method, value, raw)}
        depth = lambda d, present: 0 if not present else (int(d) if d else 10**9)
        up = depth(parents, re.match(r"^@?\d*\+", raw) is not None)
        down = depth(children, raw.endswith("+") or re.search(r"\+\d+$", raw) is not None)
        out = set(base)
        out |= self._walk(base, "parentMap", up)
        below = self._walk(base, "childMap", 10**9 if at else down)
        out |= below
        if at:
            out |= self._walk(below, "parentMap", 10**9)
        return out

    def _walk(self, start: Set[str], key: str, depth: int) -> Set[str]:
        graph = self.manifest.data.get(key) or {}
        seen: Set[str] = set()
        frontier = list(start)
        level = 0
        while frontier and level < depth:
            frontier = [n for uid in frontier for n in graph.get(uid, []) if n not in seen]
            seen.update(frontier)
            level += 1
        return seen

    def _matches(self, node: Dict[str, Any], method: str, value: str, raw: str) -> bool:
        glob = lambda text: re.fullmatch(re.escape(value).replace(r"\*", ".*").replace(r"\?", "."), text or "") is not None
        if method == "default":
            return self._matches(node, "name", value, raw) or self._matches(node, "fqn", value, raw)
        if method == "name":
            return glob(node.get("name"))
        if method == "fqn":
            fqn = node.get("fqn") or []
            parts = value.split(".")
            def at(offset: int) -> bool:
                return all(offset + i < len(fqn) and re.fullmatch(re.escape(p).replace(r"\*", ".*"), fqn[offset + i]) for i, p in enumerate(parts))
            return at(0) or at(1)
        if method == "tag":
            return any(glob(t) for t in node.get("tags") or [])
        if method == "path":
            path = re.sub(r"/$", "", re.sub(r"^\./", "", value))
            file = node.get("originalFilePath") or ""
            return file == path or file.startswith(path + "/") or re.fullmatch(re.escape(path).replace(r"\*", ".*"), file) is not None
        if method == "resource_type":
            return node.get("kind") == value
        if method == "unique_id":
            return node.get("uniqueId") == value
        if method.startswith("config."):
            actual = (node.get("config") or {}).get(method[len("config."):])
            if isinstance(actual, list):
                return value in [str(a) for a in actual]
            if isinstance(actual, bool):  # JSON's true, as dpf compares it: "true"
                return str(actual).lower() == value
            return actual is not None and str(actual) == value
        raise self._undecidable(raw)

    def _undecidable(self, raw: str) -> DpfError:
        return access_refused(
            f'Role "{self.role}" reads by the selector "{raw}", which the Python client cannot decide from the manifest, so it refuses.',
            "Query through an engine that enforces roles (Trino, after `dpf grants apply`), or the role's masked views on DuckDB; "
            "or select by name, folder, tag:, path: or config. in roles.yml.", self.file)
