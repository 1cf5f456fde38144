"""What the client knows of the project: target/manifest.json, as `dpf compile` and `dpf build`
write it (docs/artifacts.md). Models, seeds and snapshots are the nodes with a relation a client
can read; each is described by a Model with its columns and their classifications (the
manifest's ``governance``, carried over column lineage at compile time)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .errors import DpfError, manifest_missing, unknown_name

READABLE_KINDS = ("model", "seed", "snapshot")


@dataclass(frozen=True)
class Column:
    name: str
    description: str = ""
    data_type: Optional[str] = None
    #: The column's classification level (classifications.yml), declared or carried over lineage.
    classification: Optional[str] = None
    #: Kinds of personal data it carries (email, name, ...); empty: none.
    pii: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Model:
    name: str
    unique_id: str
    kind: str
    description: str
    #: database (Trino's catalog; absent on DuckDB), schema, identifier.
    relation: Tuple[Optional[str], str, str]
    materialized: Optional[str]
    tags: Tuple[str, ...]
    owner: Optional[str]
    path: str
    depends_on: Tuple[str, ...]
    columns: Tuple[Column, ...] = field(default=())
    #: The node as the manifest has it, for anything this class leaves out.
    node: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def relation_name(self) -> str:
        """database.schema.identifier, as dpf prints it (unquoted; the client quotes when it queries)."""
        return ".".join(p for p in self.relation if p)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "description": self.description, "relation": self.relation_name,
            "materialized": self.materialized, "tags": list(self.tags), "owner": self.owner, "path": self.path,
            "columns": [c.name for c in self.columns],
        }


class Manifest:
    def __init__(self, project_dir: Path):
        path = project_dir / "target" / "manifest.json"
        if not path.is_file():
            raise manifest_missing(str(project_dir))
        try:
            with open(path, encoding="utf-8") as f:
                self.data: Dict[str, Any] = json.load(f)
            nodes = self.data["nodes"]
        except (ValueError, KeyError, TypeError) as err:
            raise manifest_missing(str(project_dir), f"{type(err).__name__}: {err}") from None
        self.path = path
        self.governance: Dict[str, Any] = self.data.get("governance") or {}
        classified = self.governance.get("columns", {})
        self.models: Dict[str, Model] = {}
        for node in nodes.values():
            if node.get("kind") not in READABLE_KINDS or not node.get("relation"):
                continue
            if (node.get("config") or {}).get("materialized") == "ephemeral":
                continue
            self.models[node["name"]] = _model(node, classified.get(node["uniqueId"], {}), nodes)

    def check_target(self, project_dir: Path, target: str, engine: str) -> None:
        """The manifest names each relation for the target it was compiled for (its schema, a
        custom schema's prefix): reading another target through it would read the wrong tables."""
        metadata = self.data.get("metadata") or {}
        compiled = metadata.get("targetName")
        if compiled is not None and (compiled != target or metadata.get("adapterType", engine) != engine):
            raise DpfError(
                "DPF996", "No manifest to read",
                f'target/manifest.json in {project_dir} was compiled for target "{compiled}", and you connected to target "{target}": '
                "its relations are the other target's.",
                f"Run `dpf compile --target {target}` in the project folder (or connect with target=\"{compiled}\").")

    def model(self, name: str) -> Model:
        found = self.models.get(name)
        if found is None:
            raise unknown_name("model", name, self.models,
                               "client.models() lists the models, seeds and snapshots (ephemeral models have no table); "
                               "after adding one, run `dpf build --select <name>`.", str(self.path))
        return found


def _model(node: Dict[str, Any], classified: Dict[str, Any], nodes: Dict[str, Any]) -> Model:
    rel = node["relation"]
    config = node.get("config") or {}
    meta = {**(config.get("meta") or {}), **(node.get("meta") or {})}
    declared = node.get("columns") or {}
    if node.get("kind") == "seed" and node.get("seedColumns"):
        # A seed's columns are its CSV's, with the types dpf gave them; its YAML adds descriptions.
        seed = {c["name"]: {"name": c["name"], "dataType": c.get("type"), **declared.get(c["name"], {})} for c in node["seedColumns"]}
        declared = {**seed, **{k: v for k, v in declared.items() if k not in seed}}
    names = list(declared) + [c for c in classified if c not in declared]
    columns = []
    for name in names:
        info = declared.get(name, {})
        gov = classified.get(name, {})
        columns.append(Column(name, info.get("description") or "", info.get("dataType") or info.get("data_type"),
                              gov.get("level"), tuple(gov.get("pii") or ())))
    depends = tuple(nodes[d]["name"] for d in node.get("dependsOn", []) if d in nodes)
    return Model(
        name=node["name"], unique_id=node["uniqueId"], kind=node["kind"], description=(node.get("description") or "").strip(),
        relation=(rel.get("database"), rel["schema"], rel["identifier"]), materialized=config.get("materialized"),
        tags=tuple(node.get("tags") or ()), owner=meta.get("owner"), path=node.get("originalFilePath", ""),
        depends_on=depends, columns=tuple(columns), node=node,
    )
