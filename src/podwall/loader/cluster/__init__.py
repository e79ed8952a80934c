"""Read a live cluster: the same ``Cluster`` model the file loader returns, through the same builder.

The official ``kubernetes`` client is imported only when a cluster is actually read (it is the
optional extra ``podwall[cluster]``); importing this package costs nothing.
"""

from __future__ import annotations

from podwall.loader.cluster.connection import (
    ApiStatusError,
    ClusterError,
    ClusterSource,
    Connection,
    connect,
)
from podwall.loader.cluster.model import read, read_cluster

__all__ = [
    "ApiStatusError",
    "ClusterError",
    "ClusterSource",
    "Connection",
    "connect",
    "read",
    "read_cluster",
]
