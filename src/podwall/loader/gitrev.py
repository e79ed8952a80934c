"""Manifests as they are at a git revision (``git:REV[:PATH]``), read with git itself, no checkout.

``PATH`` is relative to the current directory, as in git's ``REV:./PATH``, and
defaults to the current directory: ``podwall diff git:origin/main .`` compares
the same directory at two points in time. A directory is walked like
``files.read_all`` walks one (recursively, in the same order, ``.yaml``,
``.yml`` and ``.json``); a file named explicitly is read whatever its name.
Inputs are named ``git:REV:path`` in messages. Symbolic links to files are
followed inside the revision, links to directories are not (as on disk);
submodules cannot be read from the superproject and are reported as warnings.
"""

from __future__ import annotations

import posixpath
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from podwall._runtime import collector_paused
from podwall.errors import InputError, Location, UsageError
from podwall.loader.build import Builder
from podwall.loader.files import EXTENSIONS, Source, Unreadable, decode
from podwall.model import Cluster

PREFIX = "git:"
_LINK, _SUBMODULE = "120000", "160000"
_MAX_LINKS = 40  # as many symbolic links as Linux follows in one path


def parse_source(text: str) -> tuple[str, str] | None:
    """``git:REV[:PATH]`` -> (REV, PATH or ``.``); None when ``text`` is not a git source."""
    if not text.startswith(PREFIX):
        return None
    revision, _, path = text[len(PREFIX) :].partition(":")
    if not revision or revision.startswith("-"):
        raise UsageError(f"invalid source {text!r}: expected git:REVISION[:PATH], e.g. git:origin/main or git:HEAD~1:k8s/")
    return revision, path or "."


@dataclass(frozen=True, slots=True)
class _Entry:
    mode: str
    kind: str  # blob, tree, commit
    sha: str
    path: str  # from the top of the repository


@dataclass(slots=True)
class Revision:
    """The inputs read at one revision, and what could not be read as warnings."""

    items: list[Source | Unreadable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _git(args: Sequence[str], cwd: str | None, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed: it is needed to read git:REVISION sources") from None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "no message"


def read_revision(revision: str, path: str = ".", *, cwd: str | None = None) -> Revision:
    """Every manifest under ``path`` (relative to ``cwd``) at ``revision``, in walk order."""
    where = _git(["rev-parse", "--show-prefix"], cwd)
    if where.returncode != 0:
        raise UsageError(f"git:{revision}: not inside a git repository ({_first_line(where.stderr)})")
    prefix = where.stdout.decode().strip()
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], cwd)
    if found.returncode != 0:
        raise UsageError(f"git:{revision}: unknown revision {revision!r}: no commit of this repository has that name")
    commit = found.stdout.decode().strip()
    target = posixpath.normpath(posixpath.join(prefix, path))
    if target == ".." or target.startswith("../") or posixpath.isabs(path):
        raise UsageError(f"git:{revision}:{path}: the path leaves the repository")
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit], cwd)
    if listing.returncode != 0:
        raise UsageError(f"git:{revision}: cannot list the revision ({_first_line(listing.stderr)})")
    tree = {e.path: e for e in _entries(listing.stdout)}
    shown = f"{PREFIX}{revision}:{path}"
    result = Revision()

    def name(entry_path: str) -> str:
        return f"{PREFIX}{revision}:{posixpath.relpath(entry_path, prefix or '.')}"

    wanted: list[tuple[str, _Entry]] = []
    if target in tree:  # a file named explicitly: read whatever its name
        wanted.append((name(target), tree[target]))
    else:
        inside = "" if target == "." else target + "/"
        under = [e for p, e in tree.items() if p.startswith(inside)]
        if not under:
            raise UsageError(f"{shown}: no such file or directory at this revision")
        for entry in sorted(under, key=lambda e: e.path.split("/")):
            if entry.kind == "commit":
                result.warnings.append(f"warning: {name(entry.path)}: a submodule; its manifests are not read")
            elif entry.path.lower().endswith(EXTENSIONS):
                wanted.append((name(entry.path), entry))
        if not wanted and not result.warnings:
            result.items.append(Unreadable(InputError("no .yaml, .yml or .json files in this directory", Location(shown))))
    blobs = _resolve(wanted, tree, cwd, result)
    contents = _cat(sorted({sha for _, sha in blobs if sha}), cwd)
    for label, sha in blobs:
        if sha is None:
            result.items.append(Unreadable(InputError("no such file or directory", Location(label))))
        else:
            result.items.append(decode(contents[sha], label))
    return result


def _entries(data: bytes) -> list[_Entry]:
    """``git ls-tree -z`` records: ``MODE TYPE SHA\\tPATH``."""
    found = []
    for record in data.split(b"\0"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        mode, kind, sha = meta.decode().split(" ")
        found.append(_Entry(mode, kind, sha, raw.decode("utf-8", "surrogateescape")))
    return found


def _resolve(
    wanted: list[tuple[str, _Entry]], tree: dict[str, _Entry], cwd: str | None, result: Revision
) -> list[tuple[str, str | None]]:
    """(name, blob sha) per input, following links to files; None for a link to nothing."""
    links = [e.sha for _, e in wanted if e.mode == _LINK]
    targets = _cat(sorted(set(links)), cwd) if links else {}
    resolved: list[tuple[str, str | None]] = []
    for label, entry in wanted:
        if entry.kind == "commit":
            result.warnings.append(f"warning: {label}: a submodule; its manifests are not read")
            continue
        hops = 0
        while entry.mode == _LINK and hops < _MAX_LINKS:
            if entry.sha not in targets:
                targets.update(_cat([entry.sha], cwd))
            goal = posixpath.normpath(posixpath.join(posixpath.dirname(entry.path), targets[entry.sha].decode()))
            nxt = tree.get(goal)
            if nxt is None:
                if any(p.startswith(goal + "/") for p in tree):
                    entry = None  # a link to a directory: not followed, as on disk
                break
            entry, hops = nxt, hops + 1
        if entry is None:
            continue
        resolved.append((label, entry.sha if entry.mode != _LINK and entry.kind == "blob" else None))
    return resolved


def _cat(shas: Sequence[str], cwd: str | None) -> dict[str, bytes]:
    """The contents of blobs, in one ``git cat-file --batch``."""
    if not shas:
        return {}
    done = _git(["cat-file", "--batch"], cwd, stdin="".join(f"{s}\n" for s in shas).encode())
    if done.returncode != 0:
        raise UsageError(f"git cat-file failed: {_first_line(done.stderr)}")
    out, data, at = {}, done.stdout, 0
    for sha in shas:
        end = data.index(b"\n", at)
        header = data[at:end].decode().split(" ")
        size = int(header[2])
        out[sha] = data[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return out


def load_revision(
    revision: str,
    path: str = ".",
    *,
    cwd: str | None = None,
    default_namespace: str = "default",
    lenient: bool = False,
) -> Cluster:
    """Load the manifests under ``path`` at ``revision`` of the repository around ``cwd``, as ``load`` loads files."""
    read = read_revision(revision, path, cwd=cwd)
    builder = Builder(default_namespace, lenient)
    builder.warnings.extend(read.warnings)
    with collector_paused():
        for item in read.items:
            builder.add(item)
        return builder.cluster()
