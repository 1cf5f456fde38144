"""The client against the demo built in DuckDB: every table as DuckDB holds it, the manifest's
listing, the three formats, SQL with parameters, identifiers that need quoting, and DuckDB's lock
(the client reads read-only and never blocks a build; a build's write lock is a clear DPF999)."""
from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import dpf
from conftest import duckdb_profile, run_dpf, write_files


def duckdb_rows(project, sql):
    con = duckdb.connect(str(project / "target" / "dev.duckdb"), read_only=True)
    try:
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


def test_every_model_reads_as_duckdb_holds_it(demo):
    client = dpf.connect(demo)
    models = client.models()
    assert len(models) >= 20
    for model in models:
        schema, identifier = model.relation[1], model.relation[2]
        expected = duckdb_rows(demo, f'select * from "{schema}"."{identifier}"').to_pandas()
        got = client.table(model.name)
        assert isinstance(got, pd.DataFrame)
        assert list(got.columns) == list(expected.columns), model.name
        key = list(expected.columns)
        pd.testing.assert_frame_equal(
            got.sort_values(key, ignore_index=True, na_position="first"),
            expected.sort_values(key, ignore_index=True, na_position="first"), check_dtype=True, obj=model.name)


def test_the_listing_is_the_manifests(demo):
    client = dpf.connect(demo)
    manifest = json.loads((demo / "target" / "manifest.json").read_text())
    expected = sorted(n["name"] for n in manifest["nodes"].values()
                      if n["kind"] in ("model", "seed", "snapshot") and n["config"].get("materialized") != "ephemeral")
    assert [m.name for m in client.models()] == expected
    fct = client.model("fct_orders")
    node = manifest["nodes"]["model.shop.fct_orders"]
    assert fct.description == node["description"].strip() and fct.description
    assert fct.kind == "model" and fct.materialized == "table"
    assert fct.relation_name == "main.fct_orders"
    assert [c.name for c in fct.columns][: len(node["columns"])] == list(node["columns"])
    assert all(c.description for c in fct.columns if node["columns"][c.name].get("description"))
    assert "stg_orders" in fct.depends_on or "int_order_payments" in fct.depends_on
    customers = {c.name: c for c in client.model("dim_customers").columns}
    assert customers["email"].pii == ("email",) and customers["email"].classification == "restricted"
    assert customers["full_name"].pii == ("name",) and customers["full_name"].classification == "confidential"
    assert customers["country"].pii == () and customers["country"].classification is None
    assert client.model("dim_customers").to_dict()["relation"] == "main.dim_customers"


def test_formats_hold_the_same_rows(demo):
    client = dpf.connect(demo)
    frame = client.table("fct_orders")
    arrow = client.table("fct_orders", format="arrow")
    polars = client.table("fct_orders", format="polars")
    assert isinstance(arrow, pa.Table) and isinstance(polars, pl.DataFrame)
    assert arrow.num_rows == len(frame) == polars.height > 0
    assert arrow.column_names == list(frame.columns) == polars.columns
    assert float(polars["net_revenue"].cast(pl.Float64).sum()) == pytest.approx(float(frame["net_revenue"].astype(float).sum()))
    assert sorted(polars["order_id"].to_list()) == sorted(frame["order_id"].tolist()) == sorted(arrow.column("order_id").to_pylist())


def test_sql_with_parameters_columns_and_limit(demo):
    client = dpf.connect(demo)
    expected = duckdb_rows(demo, "select count(*) as n from main.fct_orders where net_revenue > 100").to_pylist()[0]["n"]
    got = client.sql(f"select count(*) as n from {client.ref('fct_orders')} where net_revenue > ?", [100], format="polars")
    assert got["n"].to_list() == [expected]
    assert client.ref("revenue_by_category") == '"main_finance"."revenue_by_category"'  # +schema: finance
    few = client.table("dim_customers", columns=["customer_id", "country"], limit=3)
    assert list(few.columns) == ["customer_id", "country"] and len(few) == 3


def test_identifiers_are_quoted(tmp_path):
    """A model named like an SQL keyword, with a column named like one, reads back."""
    project = write_files(tmp_path / "proj", {
        "dpf_project.yml": "name: proj\n",
        "profiles.yml": duckdb_profile(),
        "models/select.sql": '{{config materialized="table"}}\nselect 1 as "from", \'a"b\' as "quote""d"\n',
    })
    run_dpf("build", cwd=project)
    client = dpf.connect(project)
    assert client.ref("select") == '"main"."select"'
    assert client.table("select").to_dict("records") == [{"from": 1, 'quote"d': 'a"b'}]
    assert client.table("select", columns=['quote"d']).to_dict("records") == [{'quote"d': 'a"b'}]


HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])          # read-write: the lock a running build holds
con.execute("create table if not exists held (x int)")
print("locked", flush=True)
sys.stdin.read()                            # until the test closes stdin
"""


def test_a_build_holding_the_file_is_a_clear_error_and_the_client_never_blocks_a_build(demo, copy_of):
    project = copy_of(demo)
    client = dpf.connect(project)
    before = client.table("orders_daily")
    # The client holds nothing between calls: a build runs right after a read.
    run_dpf("build", "--select", "orders_daily", cwd=project)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(project / "target" / "dev.duckdb")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(dpf.DpfError) as caught:
            client.table("orders_daily")
        err = caught.value
        assert err.code == "DPF999"
        assert f"PID {holder.pid}" in err.message and "write lock" in err.message and "dpf build" in err.message
        assert "when the build ends" in err.hint
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    pd.testing.assert_frame_equal(client.table("orders_daily"), before)
