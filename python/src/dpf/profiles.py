"""Finds the project's target the way dpf does (src/compiler/load-profile.ts): dpf_project.yml's
``profile:`` (else its ``name:``), profiles.yml from ``profiles_dir`` if given, else the first of
$DPF_PROFILES_DIR, the project folder and ~/.dpf/, the target asked for (else the profile's
``target:``, else its first output), and ``{{env 'NAME' 'default'}}`` rendered in its values.

The settings it returns hold secrets (a password): nothing here prints them, and the client
never shows them (its repr names the target and engine only).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from .errors import DpfError

ENGINES = ("duckdb", "trino")


@dataclass(frozen=True)
class Target:
    profile: str
    name: str
    type: str
    schema: str
    database: Optional[str]
    settings: Dict[str, Any] = field(repr=False)


def read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except yaml.YAMLError as err:
        detail = str(err).splitlines()[0]
        raise DpfError("DPF101", "YAML syntax error", f"This YAML file cannot be read: {detail}",
                       'Check indentation (spaces, not tabs) and quote values that contain ": ".', str(path)) from None


def read_project(project_dir: Path) -> Dict[str, Any]:
    file = project_dir / "dpf_project.yml"
    if not file.is_file():
        raise DpfError("DPF100", "No dpf project here", f"No dpf_project.yml found in {project_dir}.",
                       "Pass the folder that holds dpf_project.yml to dpf.connect(), or create a project with `dpf init my_project`.")
    project = read_yaml(file) or {}
    if not isinstance(project, dict) or not project.get("name"):
        raise DpfError("DPF103", "Invalid value", "dpf_project.yml has no name:.", "Give the project a name: (see docs/configuration.md).", str(file))
    return project


def find_profiles_file(project_dir: Path, profiles_dir: Optional[str], env: Mapping[str, str]) -> Path:
    if profiles_dir:
        dirs = [Path(profiles_dir)]
    else:
        home = env.get("HOME") or os.path.expanduser("~")
        dirs = [Path(d) for d in (env.get("DPF_PROFILES_DIR"), str(project_dir), os.path.join(home, ".dpf")) if d]
    for d in dirs:
        if (d / "profiles.yml").is_file():
            return d / "profiles.yml"
    searched = ", ".join(str(d / "profiles.yml") for d in dirs)
    raise DpfError("DPF300", "No profiles.yml", f"No profiles.yml found; looked in {searched}.",
                   "Create profiles.yml in the project folder (see project-template/profiles.yml), or pass profiles_dir= (or set DPF_PROFILES_DIR).")


def load_target(project_dir: Path, project: Mapping[str, Any], target: Optional[str], profiles_dir: Optional[str],
                env: Optional[Mapping[str, str]] = None) -> Target:
    env = os.environ if env is None else env
    file = find_profiles_file(project_dir, profiles_dir, env)
    profiles = read_yaml(file) or {}
    profile_name = str(project.get("profile") or project["name"])
    profile = profiles.get(profile_name) if isinstance(profiles, dict) else None
    if not isinstance(profile, dict) or not isinstance(profile.get("outputs"), dict):
        available = ", ".join(profiles) if isinstance(profiles, dict) else ""
        raise DpfError("DPF301", "Profile not found", f'profiles.yml has no profile "{profile_name}"' + (f" (it has: {available})." if available else "."),
                       "The profile name comes from `profile:` in dpf_project.yml (or its `name:`); add that profile to profiles.yml.", str(file))
    outputs = profile["outputs"]
    target_name = target or profile.get("target") or next(iter(outputs), None)
    if target_name not in outputs:
        raise DpfError("DPF302", "Target not found",
                       f'Profile "{profile_name}" has no target "{target_name}" (it has: {", ".join(outputs) or "none"}).',
                       "Pass one of the listed targets as target=, or add the target under outputs:.", str(file))
    settings = render_env(outputs[target_name], env, str(file))
    engine = str(settings.get("type"))
    if engine not in ENGINES:
        raise DpfError("DPF304", "Unknown adapter type", f'Target "{target_name}" has type "{engine}"; the Python client reads {" and ".join(ENGINES)}.',
                       "Set type: duckdb or type: trino.", str(file))
    database = settings.get("database", settings.get("catalog"))
    return Target(profile_name, str(target_name), engine, str(settings.get("schema", "main")),
                  None if database is None else str(database), settings)


_ARG = r"""(?:'([^']*)'|"([^"]*)")"""
_ENV = re.compile(r"\{\{~?\s*env\s+" + _ARG + r"(?:\s+" + _ARG + r")?\s*~?\}\}")
_DBT_ENV = re.compile(r"""env_var\(\s*(['"])([^'"]*)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)""")


def render_env(value: Any, env: Mapping[str, str], file: str) -> Any:
    """A copy of value with {{env 'NAME' 'default'}} rendered in every string (dpf's one helper in profiles)."""
    if isinstance(value, dict):
        return {k: render_env(v, env, file) for k, v in value.items()}
    if isinstance(value, list):
        return [render_env(v, env, file) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return value

    def one(m: re.Match) -> str:
        name = m.group(1) if m.group(1) is not None else m.group(2)
        default = m.group(3) if m.group(3) is not None else m.group(4)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise DpfError("DPF303", "Environment variable not set", f"The environment variable {name} is not set.",
                       f"Set it before connecting (os.environ['{name}'] = ... or export {name}=...), or give a default: {{{{env '{name}' 'default'}}}}.", file)

    rendered = _ENV.sub(one, value)
    if "{{" in rendered:
        dbt = _DBT_ENV.search(value)
        detail = f"{dbt.group(0)} is dbt's Jinja; dpf writes it {{{{env '{dbt.group(2)}'}}}}" if dbt else "only {{env 'NAME' 'default'}} is allowed in profiles.yml"
        raise DpfError("DPF200", "Template syntax error", f"A value in profiles.yml cannot be rendered: {detail}.",
                       "Write {{env 'NAME'}} or {{env 'NAME' 'default'}}.", file)
    return rendered
