"""DpfError: every mistake the client reports, with dpf's permanent code (docs/errors.md).

The codes of dpf's own catalog are reused where the situation is the same one dpf reports (no
profiles.yml is DPF300 in both); DPF996-DPF999 are the client's own. A message says what went
wrong, the location (a file, when there is one) says where, and the hint says what to do. They
never hold a profile's secrets.
"""
from __future__ import annotations

from difflib import get_close_matches
from typing import Iterable, Optional


class DpfError(Exception):
    """An error with a permanent code (``code``), a ``title``, a ``message``, a ``hint`` and,
    where one file is to blame, its ``file``."""

    def __init__(self, code: str, title: str, message: str, hint: str, file: Optional[str] = None):
        self.code = code
        self.title = title
        self.message = message
        self.hint = hint
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" — {self.file}" if self.file else ""
        return f"{self.code} {self.title}{where}\n  {self.message}\n  hint: {self.hint}"

    def __reduce__(self):  # picklable, for multiprocessing and notebooks' error widgets
        return (DpfError, (self.code, self.title, self.message, self.hint, self.file))


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' Did you mean "x"?' for the closest of choices, or ''."""
    close = get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


# The client's own codes (src/errors/error-catalog.ts holds their rows, docs/errors.md their text).
def manifest_missing(path: str, detail: Optional[str] = None) -> DpfError:
    if detail is None:
        message = f"There is no target/manifest.json in {path}: dpf has not compiled this project (or target/ was cleaned)."
    else:
        message = f"target/manifest.json in {path} cannot be read: {detail}."
    return DpfError(
        "DPF996",
        "No manifest to read",
        message,
        "Run `dpf compile` (or `dpf build`) in the project folder, then connect again.",
    )


def unknown_name(kind: str, name: str, choices: Iterable[str], hint: str, file: Optional[str] = None, owner: str = "The project") -> DpfError:
    return DpfError("DPF997", "Unknown name", f'{owner} has no {kind} "{name}".{did_you_mean(name, choices)}', hint, file)


def access_refused(message: str, hint: str, file: Optional[str] = None) -> DpfError:
    return DpfError("DPF998", "Role may not read this", message, hint, file)


def warehouse_failed(message: str, hint: str) -> DpfError:
    return DpfError("DPF999", "Cannot read from the warehouse", message, hint)
