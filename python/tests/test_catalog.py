"""Every code the client raises is in dpf's error catalog with the same title (docs/errors.md
lists the catalog, and src/errors/error-catalog.test.ts checks that list against the catalog)."""
from __future__ import annotations

import re

from conftest import REPO


def test_the_clients_codes_are_dpfs():
    source = "\n".join(p.read_text() for p in (REPO / "python" / "src" / "dpf").glob("*.py"))
    raised = set(re.findall(r'"(DPF\d{3})",\s*"([^"]+)"', source))
    assert {code for code, _ in raised} >= {"DPF996", "DPF997", "DPF998", "DPF999", "DPF300", "DPF303"}
    doc = (REPO / "docs" / "errors.md").read_text()
    catalog = (REPO / "src" / "errors" / "error-catalog.ts").read_text()
    for code, title in raised:
        assert f"| {code} | {title} |" in doc, f"{code} {title}"
        assert f"code: '{code}'" in catalog, code
