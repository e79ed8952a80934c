"""The real decoder: run ``kubectl label --local -f FILE podwall-decode=1 -o json`` on many texts at once.

Each kubectl call costs about 0.1 s, so every text becomes its own file and all
files go to one call, separated by marker files: the objects printed between two
markers belong to the file in between, and kubectl's error lines name their file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KUBECTL = shutil.which("kubectl")
LABEL = "podwall-decode"
_INT64 = 1 << 63
_PER_CALL = 400  # files per kubectl call, to stay far below the argument-length limit


@dataclass
class Decoded:
    """What kubectl made of one text: the objects it printed (Lists flattened) and its error, if any."""

    objects: list[Any] = field(default_factory=list)
    error: str | None = None


def _number(text: str) -> int | float:
    """The API machinery's reading of a JSON integer: int64 when it fits, else float64."""
    value = int(text) if len(text) <= 40 else None
    if value is not None and -_INT64 <= value < _INT64:
        return value
    return float(text)


def _marker(i: int) -> str:
    return json.dumps({"apiVersion": "podwall.io/v1", "kind": "Marker", "metadata": {"name": f"m-{i}"}})


def decode_all(texts: list[str], suffixes: list[str] | None = None) -> list[Decoded]:
    """kubectl's decoding of each text (``suffixes`` name the files: ``.yaml`` by default)."""
    assert KUBECTL is not None, "kubectl is not installed"
    results: list[Decoded] = []
    for start in range(0, len(texts), _PER_CALL):
        part = texts[start : start + _PER_CALL]
        names = (suffixes or [".yaml"] * len(texts))[start : start + _PER_CALL]
        results.extend(_decode_batch(part, names))
    return results


def _decode_batch(texts: list[str], suffixes: list[str]) -> list[Decoded]:
    with tempfile.TemporaryDirectory(prefix="podwall-kubectl-") as tmp:
        directory = Path(tmp)
        args = [KUBECTL, "label", "--local", "-o", "json"]
        files = []
        for i, (text, suffix) in enumerate(zip(texts, suffixes)):
            marker = directory / f"m{i}.json"
            marker.write_text(_marker(i))
            path = directory / f"f{i}{suffix}"
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
            files.append(str(path))
            args += ["-f", str(marker), "-f", str(path)]
        args += ["-f", str(directory / "end.json"), f"{LABEL}=1"]
        (directory / "end.json").write_text(_marker(len(texts)))
        done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)
        results = [Decoded() for _ in texts]
        decoder = json.JSONDecoder(parse_int=_number)
        out = done.stdout
        position, current = 0, -1
        while True:
            while position < len(out) and out[position].isspace():
                position += 1
            if position >= len(out):
                break
            obj, position = decoder.raw_decode(out, position)
            if obj.get("kind") == "Marker" and str(obj.get("metadata", {}).get("name", "")).startswith("m-"):
                current = int(obj["metadata"]["name"][2:])
                continue
            results[current].objects.append(_unlabel(obj))
        last: Decoded | None = None
        for line in done.stderr.splitlines():
            for i, path in enumerate(files):
                if f"{path}:" in line or f'"{path}"' in line:
                    last = results[i]
                    last.error = line.split(path, 1)[1].lstrip('":').strip()
                    break
            else:  # a multi-line message (kubectl quotes the object it could not read)
                assert last is not None, f"kubectl said something about no file of ours: {line}"
        return results


def _unlabel(obj: Any) -> Any:
    """Remove the label kubectl was asked to add (and the labels map it had to create for it)."""
    labels = obj.get("metadata", {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(LABEL, None)
        if not labels:
            del obj["metadata"]["labels"]
    if obj.get("metadata") == {}:
        del obj["metadata"]  # kubectl made it to hold the label (the author may have written {})
    return obj


def typed(value: Any) -> Any:
    """A comparable form that tells 1 from 1.0 from True (Python's == does not)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, dict):
        return {key: typed(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [typed(inner) for inner in value]
    raise TypeError(f"not a JSON value: {value!r}")


def flatten(data: Any) -> list[Any]:
    """Objects as kubectl prints them: List and *List items flattened, items inheriting a typed List's kind."""
    if not isinstance(data, dict):
        return [data]
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(data.get("items"), list):
        objects = []
        for item in data["items"]:
            if isinstance(item, dict) and kind != "List":
                item = dict(item)
                item.setdefault("kind", kind[: -len("List")])
                item.setdefault("apiVersion", data.get("apiVersion"))
            objects.extend(flatten(item))
        return objects
    return [data]


def as_kubectl_prints(obj: Any) -> Any:
    """podwall's decoded object as kubectl's label command prints it: null label values dropped."""
    labels = obj.get("metadata", {}).get("labels") if isinstance(obj.get("metadata"), dict) else None
    if isinstance(labels, dict):
        kept = {k: v for k, v in labels.items() if v is not None}
        metadata = dict(obj["metadata"])
        if kept:
            metadata["labels"] = kept
        else:
            metadata.pop("labels")
        obj = {**obj, "metadata": metadata}
    elif isinstance(obj.get("metadata"), dict) and "labels" in obj["metadata"] and labels is None:
        metadata = dict(obj["metadata"])
        metadata.pop("labels")
        obj = {**obj, "metadata": metadata}
    if obj.get("metadata") == {}:
        obj = {key: value for key, value in obj.items() if key != "metadata"}
    return obj
