"""Roles: client.table() refuses what roles.yml and classifications.yml say a role may not read
(DPF998), and agrees, role by role and model by model, with what dpf itself grants: the masked
views `dpf grants apply` makes on DuckDB (src/governance/access, the engines' enforcement)."""
from __future__ import annotations

import duckdb
import pytest
import yaml

import dpf


def test_analyst_is_refused_the_customers_email_and_reads_the_rest(demo):
    analyst = dpf.connect(demo, role="analyst")
    with pytest.raises(dpf.DpfError) as caught:
        analyst.table("dim_customers")
    err = caught.value
    assert err.code == "DPF998"
    assert '"email" (personal data: email; restricted)' in err.message and "analyst" in err.message
    assert "full_name" not in err.message  # confidential: analyst is among its readers
    assert 'columns=client.readable_columns("dim_customers")' in err.hint and "main_analyst.dim_customers" in err.hint
    assert err.file and err.file.endswith("roles.yml")
    # Asking for the email alone is refused too; leaving it out reads, names in clear.
    with pytest.raises(dpf.DpfError, match="email"):
        analyst.table("dim_customers", columns=["customer_id", "EMAIL"])
    readable = analyst.readable_columns("dim_customers")
    assert "email" not in readable and "full_name" in readable and "customer_id" in readable
    rows = analyst.table("dim_customers", columns=readable)
    clear = dpf.connect(demo).table("dim_customers", columns=readable)
    assert rows.sort_values("customer_id", ignore_index=True).equals(clear.sort_values("customer_id", ignore_index=True))


def test_who_reads_the_customers(demo):
    assert "email" in dpf.connect(demo, role="data_engineer").table("dim_customers").columns
    assert "email" in dpf.connect(demo, role="platform_engineer").table("dim_customers").columns  # manages
    business = dpf.connect(demo, role="business_user")
    with pytest.raises(dpf.DpfError) as caught:
        business.table("dim_customers", columns=["customer_id"])
    assert caught.value.code == "DPF998" and "restricted" in caught.value.message and "up to internal" in caught.value.message
    with pytest.raises(dpf.DpfError, match="does not select"):
        business.table("stg_orders")                # not in marts
    assert len(business.table("revenue_by_category")) > 0


def test_an_unknown_role_names_the_closest(demo):
    with pytest.raises(dpf.DpfError) as caught:
        dpf.connect(demo, role="analysts")
    assert caught.value.code == "DPF997" and 'Did you mean "analyst"?' in caught.value.message


def test_sql_with_a_role_says_it_is_not_checked(demo):
    analyst = dpf.connect(demo, role="analyst")
    with pytest.warns(UserWarning, match="checked by client.table"):
        frame = analyst.sql(f"select count(*) as n from {analyst.ref('dim_customers')}")
    assert frame["n"].tolist() == [100]


def test_the_client_agrees_with_the_views_dpf_grants_apply_made(demo):
    """For every role and model: the client refuses a model exactly when dpf made no view of it
    for the role, and refuses exactly the columns the view masks or leaves out."""
    roles = [r["name"] for r in yaml.safe_load((demo / "roles.yml").read_text())["roles"] if not r.get("manage")]
    con = duckdb.connect(str(demo / "target" / "dev.duckdb"), read_only=True)
    compared = 0
    try:
        views = {(s, t) for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()}
        for role in roles:
            client = dpf.connect(demo, role=role)
            for model in client.models():
                has_view = (f"main_{role}", model.name) in views
                try:
                    readable = client.readable_columns(model.name)
                except dpf.DpfError as err:
                    assert err.code == "DPF998"
                    assert not has_view, f"{role} is refused {model.name}, which dpf grants it"
                    continue
                assert has_view, f"{role} reads {model.name}, which dpf does not grant it"
                base = con.execute(f'select * from "{model.relation[1]}"."{model.relation[2]}"').to_arrow_table()
                view = con.execute(f'select * from "main_{role}"."{model.name}"').to_arrow_table()
                in_clear = [c for c in base.column_names if c in view.column_names
                            and sorted(map(str, base.column(c).to_pylist())) == sorted(map(str, view.column(c).to_pylist()))]
                assert readable == in_clear, f"{role} on {model.name}"
                compared += 1
    finally:
        con.close()
    assert compared > 50
