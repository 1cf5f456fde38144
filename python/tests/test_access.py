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
    assert agrees_with_grants(demo, "main") > 50


def agrees_with_grants(project, schema) -> int:
    """For every role and model: the client refuses a model exactly when `dpf grants apply` made no
    view of it for the role; the columns it lets the role read are the view's columns in clear,
    row for row (a row filter included); the view masks or leaves out every other column.
    Returns how many (role, model) pairs it compared."""
    roles = [r["name"] for r in yaml.safe_load((project / "roles.yml").read_text())["roles"] if not r.get("manage")]
    con = duckdb.connect(str(project / "target" / "dev.duckdb"), read_only=True)
    rows = lambda table, cols: sorted(tuple(str(v) for v in row) for row in zip(*(table.column(c).to_pylist() for c in cols)))
    compared = 0
    try:
        views = {(s, t) for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()}
        for role in roles:
            client = dpf.connect(project, role=role)
            for model in client.models():
                has_view = (f"{schema}_{role}", model.name) in views
                try:
                    readable = client.readable_columns(model.name)
                except dpf.DpfError as err:
                    assert err.code == "DPF998"
                    assert not has_view, f"{role} is refused {model.name}, which dpf grants it"
                    continue
                assert has_view, f"{role} reads {model.name}, which dpf does not grant it"
                view = con.execute(f'select * from "{schema}_{role}"."{model.name}"').to_arrow_table()
                base = con.execute(f'select * from "{model.relation[1]}"."{model.relation[2]}"').to_arrow_table()
                got = client.table(model.name, columns=readable, format="arrow")
                assert set(readable) <= set(view.column_names), f"{role} on {model.name}"
                assert rows(got, readable) == rows(view, readable), f"{role} on {model.name}"
                for masked in set(view.column_names) - set(readable):
                    assert sorted(map(str, view.column(masked).to_pylist())) != sorted(map(str, base.column(masked).to_pylist())), f"{role} on {model.name}.{masked}"
                compared += 1
    finally:
        con.close()
    return compared


SELECTORS_PROJECT = {
    "dpf_project.yml": """name: proj
models:
  proj:
    marts:
      +materialized: table
      finance:
        +schema: finance
        +tags: [finance]
""",
    "classifications.yml": """levels:
  - name: public
  - name: internal
  - name: restricted
    readers: [by_tag]
pii:
  - name: email
    level: restricted
    masking: redact
  - name: phone
    level: internal
""",
    "roles.yml": """roles:
  - name: owner
    trino: {users: [admin]}
    manage: true
  - name: by_tag
    trino: {users: [a]}
    read: {select: ["tag:finance"], up_to: restricted}
  - name: by_path
    trino: {users: [b]}
    read: {select: ["path:models/marts"], exclude: [revenue], up_to: restricted}
  - name: upstream
    trino: {users: [c]}
    read: {select: ["+revenue"], up_to: restricted, filters: [{model: customers, where: "id > 1"}]}
  - name: downstream
    trino: {users: [d]}
    read: {select: ["stg_customers+1", "config.materialized:view,tag:keep"], up_to: internal}
  - name: at
    trino: {users: [e]}
    read: {select: ["@stg_customers"], schemas: [main], up_to: restricted}
  - name: low
    trino: {users: [f]}
    read: {select: ["fqn:marts.*"]}
  - name: nothing
    trino: {users: [g]}
""",
    "seeds/raw_customers.csv": "id,email,phone,region\n1,a@example.com,555-0100,EU\n2,b@example.com,555-0101,US\n3,c@example.com,555-0102,EU\n",
    "seeds/_seeds.yml": """seeds:
  - name: raw_customers
    columns:
      - name: email
        pii: email
      - name: phone
        pii: phone
""",
    "models/staging/stg_customers.sql": 'select id, email, phone, region from {{ref "raw_customers"}}\n',
    "models/staging/stg_regions.sql": '{{config tags="keep"}}\nselect distinct region from {{ref "raw_customers"}}\n',
    "models/marts/customers.sql": 'select id, region, phone from {{ref "stg_customers"}}\n',
    "models/marts/finance/revenue.sql": 'select region, count(*) as customers from {{ref "customers"}} group by region\n',
    "models/marts/finance/contacts.sql": 'select id, email from {{ref "stg_customers"}}\n',
}


def test_selectors_levels_filters_and_schemas_agree_with_dpf(tmp_path):
    from conftest import duckdb_profile, run_dpf, write_files
    project = write_files(tmp_path / "proj", {**SELECTORS_PROJECT, "profiles.yml": duckdb_profile()})
    run_dpf("build", cwd=project)
    run_dpf("grants", "apply", cwd=project)
    assert agrees_with_grants(project, "main") >= 12
    upstream = dpf.connect(project, role="upstream")
    assert sorted(upstream.table("customers")["id"].tolist()) == [2, 3]          # its row filter
    with pytest.raises(dpf.DpfError) as caught:
        dpf.connect(project, role="nothing").table("revenue")
    assert "reads nothing" in caught.value.message


def test_a_selector_the_client_cannot_decide_is_refused(tmp_path):
    from conftest import duckdb_profile, run_dpf, write_files
    files = {**SELECTORS_PROJECT, "profiles.yml": duckdb_profile()}
    files["roles.yml"] = files["roles.yml"].replace('"tag:finance"', '"state:modified"')
    project = write_files(tmp_path / "proj", files)
    run_dpf("compile", cwd=project)
    with pytest.raises(dpf.DpfError) as caught:
        dpf.connect(project, role="by_tag").table("revenue")
    assert caught.value.code == "DPF998" and '"state:modified"' in caught.value.message and "cannot decide" in caught.value.message
