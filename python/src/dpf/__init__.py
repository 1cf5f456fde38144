"""dpf for Python: read a dpf project's models into pandas, polars or Arrow (docs/python.md).

    import dpf
    client = dpf.connect("path/to/project")
    orders = client.table("fct_orders")
"""
from .client import Client, connect
from .errors import DpfError
from .manifest import Column, Model

__all__ = ["connect", "Client", "DpfError", "Model", "Column"]
__version__ = "0.1.0"
