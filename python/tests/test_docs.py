"""docs/python.md's ```python blocks, run in order in one namespace against the built demo, as
a notebook would run them; each block must run without error and print what the page promises."""
from __future__ import annotations

import contextlib
import io
import re
import warnings

from conftest import REPO


def test_the_python_guide_runs(demo, monkeypatch):
    text = (REPO / "docs" / "python.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 8
    monkeypatch.chdir(demo.parent)             # the page connects to "shop"
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True):
        for i, block in enumerate(blocks):
            exec(compile(block, f"docs/python.md block {i + 1}", "exec"), namespace)
    printed = out.getvalue()
    assert "<dpf.Client shop target='dev' (duckdb)>" in printed
    assert "fct_orders" in printed and "main_finance.revenue_by_category" in printed
    assert "[restricted: email]" in printed                       # the listing flags personal data
    assert "DPF998" in printed and '"email"' in printed           # the analyst is refused the email
    assert "email" not in namespace["columns"] and len(namespace["people"]) == 100
    hashed = namespace["hashed"]["email"].tolist()
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashed)   # dpf's masked view, hashed
    assert 'DPF997' in printed and 'Did you mean "fct_orders"?' in printed
    assert namespace["revenue"].height > 0 and namespace["arrow"].num_rows > 0
