"""The client on a real Trino (scripts/test-trino.sh starts one and sets DPF_TRINO_URL): a small
project built there by dpf, read back through the trino package into the three formats,
compared with what Trino holds; SQL with parameters; the role check on a Trino target."""
from __future__ import annotations

import os
import secrets
from decimal import Decimal
from urllib.parse import urlparse

import pyarrow as pa
import polars as pl
import pytest
import trino

import dpf
from conftest import run_dpf, write_files

pytestmark = pytest.mark.trino

FILES = {
    "dpf_project.yml": "name: proj\n",
    "classifications.yml": """levels:
  - name: public
  - name: confidential
    readers: [analyst, data_engineer]
  - name: restricted
    readers: [data_engineer]
pii:
  - name: email
    level: restricted
    masking: hash
""",
    "roles.yml": """roles:
  - name: platform_engineer
    trino: {users: [admin]}
    manage: true
  - name: data_engineer
    trino: {users: [data_engineer]}
    read: {up_to: restricted}
  - name: analyst
    trino: {users: [analyst]}
    read: {select: [dim_customers, order_totals], up_to: restricted}
""",
    "seeds/raw_customers.csv": "id,email,segment\n1,ann@example.com,retail\n2,bo@example.com,wholesale\n3,cy@example.com,retail\n",
    "seeds/raw_orders.csv": "order_id,customer_id,amount\n10,1,12.50\n11,1,7.25\n12,3,100.00\n",
    "seeds/_seeds.yml": """seeds:
  - name: raw_customers
    columns:
      - name: email
        pii: email
  - name: raw_orders
    config:
      column_types: {amount: "decimal(10,2)"}
""",
    "models/dim_customers.sql": '{{config materialized="table"}}\nselect id, lower(email) as email, segment from {{ref "raw_customers"}}\n',
    "models/order_totals.sql": '{{config materialized="view"}}\nselect customer_id, count(*) as "order count", sum(amount) as total from {{ref "raw_orders"}} group by customer_id\n',
    "models/_models.yml": """models:
  - name: order_totals
    description: Orders and their total per customer.
    columns:
      - name: customer_id
        description: The customer.
""",
}


@pytest.fixture(scope="module")
def trino_project(tmp_path_factory):
    url = os.environ.get("DPF_TRINO_URL")
    assert url, "the trino tests need DPF_TRINO_URL (npm run test:trino sets it)"
    server = urlparse(url)
    schema = f"py_{secrets.token_hex(4)}"
    project = write_files(tmp_path_factory.mktemp("trino") / "proj", {
        **FILES,
        "profiles.yml": f"""proj:
  target: trino
  outputs:
    trino: {{ type: trino, host: {server.hostname}, port: {server.port}, user: admin, catalog: iceberg, schema: {schema}, threads: 2 }}
""",
    })
    run_dpf("build", cwd=project)
    con = trino.dbapi.connect(host=server.hostname, port=server.port, user="admin", catalog="iceberg", schema=schema)
    yield project, con, schema
    cur = con.cursor()
    cur.execute(f'drop view if exists "{schema}"."order_totals"')
    cur.fetchall()
    for table in ("dim_customers", "raw_customers", "raw_orders"):
        cur.execute(f'drop table if exists "{schema}"."{table}"')
        cur.fetchall()
    cur.execute(f'drop schema if exists "{schema}"')
    cur.fetchall()


def trino_rows(con, sql):
    cur = con.cursor()
    cur.execute(sql)
    return cur.fetchall()


def test_tables_read_as_trino_holds_them(trino_project):
    project, con, schema = trino_project
    client = dpf.connect(project)
    assert client.target.type == "trino"
    assert client.model("dim_customers").relation == ("iceberg", schema, "dim_customers")
    assert client.ref("order_totals") == f'"iceberg"."{schema}"."order_totals"'
    frame = client.table("dim_customers").sort_values("id", ignore_index=True)
    expected = trino_rows(con, f'select id, email, segment from "{schema}"."dim_customers" order by id')
    assert [tuple(r) for r in frame.itertuples(index=False)] == [tuple(r) for r in expected]
    assert frame["email"].tolist() == ["ann@example.com", "bo@example.com", "cy@example.com"]

    arrow = client.table("order_totals", format="arrow").sort_by("customer_id")
    assert arrow.column_names == ["customer_id", "order count", "total"]
    assert arrow.schema.field("total").type == pa.decimal128(20, 2) or pa.types.is_decimal(arrow.schema.field("total").type)
    assert arrow.column("total").to_pylist() == [Decimal("19.75"), Decimal("100.00")]
    assert arrow.column("order count").to_pylist() == [2, 1]
    assert pa.types.is_integer(arrow.schema.field("order count").type)

    polars = client.sql(f"select customer_id, total from {client.ref('order_totals')} where total > ? order by customer_id", [50], format="polars")
    assert isinstance(polars, pl.DataFrame) and polars["customer_id"].to_list() == [3]
    empty = client.sql(f"select id, segment from {client.ref('dim_customers')} where id < 0", format="arrow")
    assert empty.num_rows == 0 and empty.column_names == ["id", "segment"]
    assert [m.name for m in client.models()] == ["dim_customers", "order_totals", "raw_customers", "raw_orders"]
    assert client.model("order_totals").description == "Orders and their total per customer."


def test_roles_and_errors_on_trino(trino_project):
    project, _, schema = trino_project
    analyst = dpf.connect(project, role="analyst")
    with pytest.raises(dpf.DpfError) as caught:
        analyst.table("dim_customers")
    assert caught.value.code == "DPF998" and '"email"' in caught.value.message
    assert analyst.readable_columns("dim_customers") == ["id", "segment"]
    assert sorted(analyst.table("dim_customers", columns=["id", "segment"])["id"].tolist()) == [1, 2, 3]
    with pytest.raises(dpf.DpfError, match="does not select"):
        analyst.table("raw_orders")
    assert len(dpf.connect(project, role="data_engineer").table("dim_customers")) == 3
    with pytest.raises(dpf.DpfError) as caught:
        dpf.connect(project).sql(f'select * from "{schema}"."no_such_table"')
    assert caught.value.code == "DPF999" and "TABLE_NOT_FOUND" in caught.value.message
