"""Time network-config-analyzer's connectivity query on one YAML file; run inside benchmarks/.nca-venv.

This is what ``nca --connectivity -r FILE -o FORMAT -f OUT`` does (``nca/nca_cli.py``
``run_args``), split so that loading and the query are timed apart. It imports
nothing from podwall (NCA lives in its own venv). Prints one JSON object.

Usage: python benchmarks/nca_driver.py FILE [--format txt] [--out PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import sys
import time


def main(argv: list[str] | None = None) -> int:
    """Load ``FILE`` with NCA's ResourcesHandler, run connectivityMap, report timings as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--format", default="txt", help="NCA output format (txt computes minimised fw-rules, as the CLI's default)")
    parser.add_argument("--out", default="/dev/null", help="where NCA writes its connectivity report")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from nca.CoreDS.Peer import BasePeerSet
    from nca.NetworkConfig.NetworkConfigQueryRunner import NetworkConfigQueryRunner
    from nca.NetworkConfig.ResourcesHandler import ResourcesHandler
    from nca.Utils.OutputConfiguration import OutputConfiguration

    imported = time.perf_counter()
    BasePeerSet.reset()
    chatter = io.StringIO()  # NCA prints progress lines; keep stdout for our JSON
    with contextlib.redirect_stdout(chatter):
        handler = ResourcesHandler()
        config = handler.get_network_config(None, None, None, [args.file], save_flag=False)
        loaded = time.perf_counter()
        output = OutputConfiguration(
            {
                "outputFormat": args.format,
                "outputPath": args.out,
                "simplifyGraph": False,
                "prURL": None,
                "outputEndpoints": "deployments",
                "subset": {},
                "explain": [],
                "excludeIPv6Range": True,
            }
        )
        result = NetworkConfigQueryRunner("connectivityMap", [config], None, output).run_query()
        queried = time.perf_counter()
    endpoints = None
    for line in chatter.getvalue().splitlines():
        if "unique endpoints" in line:  # "global: cluster has N unique endpoints, M namespaces"
            endpoints = int(line.split("has", 1)[1].split()[0])
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "load_s": loaded - imported,
                "query_s": queried - loaded,
                "total_s": queried - imported,
                "endpoints": endpoints,
                "result": result[0] if isinstance(result, tuple) else result,
                "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
