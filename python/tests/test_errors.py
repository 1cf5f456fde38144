"""What the client says when something is missing or wrong: dpf's code, what went wrong, where,
and what to do; profiles found where dpf finds them; secrets never shown."""
from __future__ import annotations

import json
import shutil

import pytest

import dpf
from conftest import duckdb_profile, write_files


def error_of(fn, *args, **kwargs) -> dpf.DpfError:
    with pytest.raises(dpf.DpfError) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_no_manifest_says_run_dpf_compile(tmp_path):
    project = write_files(tmp_path / "p", {"dpf_project.yml": "name: proj\n", "profiles.yml": duckdb_profile()})
    err = error_of(dpf.connect, project)
    assert err.code == "DPF996" and "target/manifest.json" in err.message and "`dpf compile`" in err.hint
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{not json")
    err = error_of(dpf.connect, project)
    assert err.code == "DPF996" and "cannot be read" in err.message


def test_not_a_project(tmp_path):
    err = error_of(dpf.connect, tmp_path)
    assert err.code == "DPF100" and str(tmp_path) in err.message


def test_profiles_are_found_where_dpf_finds_them(demo, copy_of, tmp_path, monkeypatch):
    project = copy_of(demo)
    profiles = (project / "profiles.yml").read_text()
    (project / "profiles.yml").unlink()
    err = error_of(dpf.connect, project)
    assert err.code == "DPF300" and str(project / "profiles.yml") in err.message and "profiles_dir=" in err.hint
    # ~/.dpf/profiles.yml, then $DPF_PROFILES_DIR before it, then profiles_dir= before both:
    # each names its own copy of the warehouse, and the client reads the one dpf would.
    for name in ("home", "env", "arg"):
        shutil.copy(project / "target" / "dev.duckdb", project / "target" / f"{name}.duckdb")
    write_files(tmp_path / "home", {".dpf/profiles.yml": profiles.replace("target/dev.duckdb", "target/home.duckdb")})
    write_files(tmp_path / "env", {"profiles.yml": profiles.replace("target/dev.duckdb", "target/env.duckdb")})
    write_files(tmp_path / "arg", {"profiles.yml": profiles.replace("target/dev.duckdb", "target/arg.duckdb")})
    assert dpf.connect(project).target.settings["path"] == "target/home.duckdb"
    monkeypatch.setenv("DPF_PROFILES_DIR", str(tmp_path / "env"))
    assert dpf.connect(project).target.settings["path"] == "target/env.duckdb"
    client = dpf.connect(project, profiles_dir=tmp_path / "arg")
    assert client.target.settings["path"] == "target/arg.duckdb" and len(client.table("fct_orders")) > 0


def test_a_manifest_of_another_target_is_refused(demo):
    err = error_of(dpf.connect, demo, target="trino")
    assert err.code == "DPF996" and 'compiled for target "dev"' in err.message and "dpf compile --target trino" in err.hint


def test_env_values_in_profiles(demo, copy_of, monkeypatch):
    project = copy_of(demo)
    shutil.move(project / "target" / "dev.duckdb", project / "target" / "other.duckdb")
    (project / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: \"{{env 'SHOP_DB' 'target/other.duckdb'}}\", schema: main }\n"
        "    strict: { type: duckdb, path: \"{{env 'SHOP_DB_STRICT'}}\", schema: main }\n")
    assert len(dpf.connect(project).table("fct_orders")) > 0          # the default
    monkeypatch.setenv("SHOP_DB", "target/missing.duckdb")
    err = error_of(dpf.connect(project).table, "fct_orders")
    assert err.code == "DPF999" and "missing.duckdb" in err.message and "dpf build --target dev" in err.hint
    err = error_of(dpf.connect, project, target="strict")
    assert err.code == "DPF303" and "SHOP_DB_STRICT" in err.message and err.file.endswith("profiles.yml")


def test_unknown_target_model_and_format(demo):
    err = error_of(dpf.connect, demo, target="prod")
    assert err.code == "DPF302" and "dev, trino" in err.message
    client = dpf.connect(demo)
    err = error_of(client.table, "fct_order")
    assert err.code == "DPF997" and 'Did you mean "fct_orders"?' in err.message and "client.models()" in err.hint
    err = error_of(client.table, "fct_orders", format="excel")
    assert err.code == "DPF997" and '"polars"' in err.hint
    err = error_of(client.sql, "select * from no_such_table")
    assert err.code == "DPF999" and "no_such_table" in err.message and "Traceback" not in str(err)


def test_a_password_is_never_shown(demo, copy_of, monkeypatch):
    project = copy_of(demo)
    secret = "s3cr3t-Pa55word"
    monkeypatch.setenv("SHOP_TRINO_PASSWORD", secret)
    (project / "profiles.yml").write_text(
        "shop:\n  target: t\n  outputs:\n    t: { type: trino, host: 127.0.0.1, port: 9, user: dpf, catalog: iceberg, schema: s,"
        " password: \"{{env 'SHOP_TRINO_PASSWORD'}}\" }\n")
    # As `dpf compile --target t` would mark it (compiling needs no server).
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    manifest["metadata"].update(targetName="t", adapterType="trino")
    (project / "target" / "manifest.json").write_text(json.dumps(manifest))
    client = dpf.connect(project)
    assert client.target.settings["password"] == secret
    err = error_of(client.table, "fct_orders")                     # nothing listens on port 9
    assert err.code == "DPF999" and "Cannot reach Trino at https://127.0.0.1:9" in err.message
    for shown in (str(err), repr(err), repr(client), repr(client.target)):
        assert secret not in shown
