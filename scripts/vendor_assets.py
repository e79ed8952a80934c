"""Vendor the HTML report's JavaScript from the npm registry, pinned by version and integrity.

Reads ``src/podwall/render/assets/assets.json`` (name, version, the registry's
``sha512-`` integrity, the files to take), fetches each tarball with ``npm pack``
(the ordinary npm client, so the registry configured for npm is used), checks
the tarball's SHA-512 against the pin, and writes the listed files (with the
package's LICENSE) to ``src/podwall/render/assets/<name>/``. ``SHA256SUMS``
beside them records what was written; the test suite checks the committed files
against it, so a hand edit shows.

    python scripts/vendor_assets.py            # (re)write the assets
    python scripts/vendor_assets.py --check    # fetch again and compare, write nothing

To update a package: change its version in assets.json, set its integrity to
what ``npm view NAME@VERSION dist.integrity`` prints, run this script, review
the diff, and commit the assets with assets.json and SHA256SUMS.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "src" / "podwall" / "render" / "assets"
MANIFEST = ASSETS / "assets.json"
SUMS = ASSETS / "SHA256SUMS"


def integrity(data: bytes) -> str:
    """The npm ``sha512-<base64>`` integrity string of a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(name: str, version: str, workdir: Path) -> bytes:
    """The package tarball, through ``npm pack``."""
    done = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(workdir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"npm pack {name}@{version} failed: {done.stderr.strip()}")
    filename = json.loads(done.stdout)[0]["filename"]
    return (workdir / filename).read_bytes()


def extract(tarball: bytes, files: list[str]) -> dict[str, bytes]:
    """The listed files of a package tarball (paths inside its ``package/`` folder)."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for wanted in files:
            member = archive.extractfile(f"package/{wanted}")
            if member is None:
                raise SystemExit(f"package has no file {wanted}")
            found[wanted] = member.read()
    return found


def main(argv: list[str] | None = None) -> int:
    """Fetch, verify and write (or compare) every pinned asset."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare the committed assets with the registry's")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text())
    written: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for package in manifest["packages"]:
            name, version = package["name"], package["version"]
            tarball = fetch(name, version, Path(tmp))
            actual = integrity(tarball)
            if actual != package["integrity"]:
                raise SystemExit(f"{name}@{version}: integrity {actual} does not match the pin {package['integrity']}")
            for path, data in extract(tarball, package["files"]).items():
                if b"</script" in data.lower():
                    raise SystemExit(f"{name}/{path} contains '</script': it cannot be inlined as is")
                written[f"{name}/{Path(path).name}"] = data
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {rel}\n" for rel, data in sorted(written.items()))
    if args.check:
        stale = [rel for rel, data in written.items() if not (ASSETS / rel).is_file() or (ASSETS / rel).read_bytes() != data]
        if stale or not SUMS.is_file() or SUMS.read_text() != sums:
            print("out of date: " + (", ".join(stale) or "SHA256SUMS"), file=sys.stderr)
            return 1
        print(f"{len(written)} files match the registry's")
        return 0
    for rel, data in written.items():
        (ASSETS / rel).parent.mkdir(parents=True, exist_ok=True)
        (ASSETS / rel).write_bytes(data)
    SUMS.write_text(sums)
    print(f"wrote {len(written)} files to {ASSETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
