"""Manifests as they are at a git revision (``git:REV[:PATH]``), read with git itself, no checkout.

``PATH`` is relative to the current directory, as in git's ``REV:./PATH``, and
defaults to the current directory: ``podwall diff git:origin/main .`` compares
the same directory at two points in time. A directory is walked as
``files.walk`` walks one on disk: recursively, in the same order, ``.yaml``,
``.yml`` and ``.json``, hidden files and folders left out, symbolic links to
files followed inside the revision and links to directories not, Helm charts
and kustomize folders not entered (``files.folder_kind`` decides, asking the
revision's tree; podwall cannot render them at a revision: a walk warns, a
folder named explicitly is an error), and YAML that is no Kubernetes object
counted, not refused (the builder does that for every walked file); a file named
explicitly is read whatever its name. Every input is bounded by ``max_bytes``
(its size is known before it is read). Inputs are named ``git:REV:path`` in
messages. Submodules cannot be read from the superproject: a warning says so.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from podwall._runtime import collector_paused
from podwall.errors import InputError, Location, UsageError
from podwall.loader import render
from podwall.loader.build import Builder
from podwall.loader.files import (
    EXTENSIONS,
    MAX_BYTES,
    Passed,
    Source,
    Unreadable,
    _too_large,
    decode,
    folder_kind,
)
from podwall.model import Cluster
from podwall.model.quick import frozen, mutable

if TYPE_CHECKING:
    import subprocess

PREFIX = "git:"
_LINK = "120000"
_MAX_LINKS = 40  # as many symbolic links as Linux follows in one path
_HIDDEN = "hidden files and folders"


def _not_rendered(kind: str) -> str:
    """Why a chart or kustomize folder at a revision is not read, and how to read it."""
    return (f"{render.what(kind)}, not manifests: podwall does not render it at a git revision; "
            f"check the revision out and give podwall the output of {' '.join(render.command(kind, 'DIR'))} (-)")


def parse_source(text: str) -> tuple[str, str] | None:
    """``git:REV[:PATH]`` -> (REV, PATH or ``.``); None when ``text`` is not a git source."""
    if not text.startswith(PREFIX):
        return None
    revision, _, path = text[len(PREFIX) :].partition(":")
    if not revision or revision.startswith("-"):
        raise UsageError(f"invalid source {text!r}: expected git:REVISION[:PATH], e.g. git:origin/main or git:HEAD~1:k8s/")
    return revision, path or "."


@frozen
class _Entry:
    mode: str
    kind: str  # blob or commit (a submodule)
    sha: str
    size: int  # bytes of a blob, 0 otherwise
    path: str  # from the top of the repository


@mutable
class Revision:
    """The inputs read at one revision (as ``files.read_all`` yields them), and warnings."""

    items: list[Source | Unreadable | Passed] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _git(args: Sequence[str], cwd: str | None, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    import subprocess  # only a revision (-f REV:PATH) needs git: not every command's imports

    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed: it is needed to read git:REVISION sources") from None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "no message"


def read_revision(revision: str, path: str = ".", *, cwd: str | None = None, max_bytes: int = MAX_BYTES) -> Revision:
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
    listing = _git(["ls-tree", "-r", "-z", "-l", "--full-tree", commit], cwd)
    if listing.returncode != 0:
        raise UsageError(f"git:{revision}: cannot list the revision ({_first_line(listing.stderr)})")
    tree = {e.path: e for e in _entries(listing.stdout)}
    reader = _Reader(revision, prefix, tree, cwd, max_bytes)
    files = {p for p, e in tree.items() if e.kind == "blob"}
    kinds: dict[str, str | None] = {}

    def kind_of(directory: str) -> str | None:  # the disk walk's decision, on the revision's tree
        if directory not in kinds:
            kinds[directory] = folder_kind(directory, files.__contains__)
        return kinds[directory]

    named = None if target in tree else kind_of("" if target == "." else target)
    if target in tree:  # a file named explicitly: read whatever its name
        reader.add(tree[target], walked=False)
    elif named is not None:  # a chart or kustomize folder named explicitly: an error, as on disk
        where_ = Location(f"{PREFIX}{revision}:{path}")
        reader.result.items.append(Unreadable(InputError(_not_rendered(named), where_)))
    else:
        inside = "" if target == "." else target + "/"
        under = sorted((e for p, e in tree.items() if p.startswith(inside)), key=lambda e: e.path.split("/"))
        if not under:
            raise UsageError(f"{PREFIX}{revision}:{path}: no such file or directory at this revision")
        skipped: set[str] = set()
        for entry in under:
            parts = entry.path[len(inside) :].split("/")
            skip = _skipped(inside, parts, kind_of)
            if skip is not None:
                here, kind = skip
                if here not in skipped:
                    skipped.add(here)
                    reader.skip(here, kind)
            elif entry.kind == "commit" or entry.path.lower().endswith(EXTENSIONS):
                reader.add(entry, walked=True)
        if not reader.added and not reader.result.warnings:
            where_ = Location(f"{PREFIX}{revision}:{path}")
            reader.result.items.append(Unreadable(InputError("no .yaml, .yml or .json files in this directory", where_)))
    reader.read_blobs()
    return reader.result


def _skipped(inside: str, parts: list[str], kind_of: Callable[[str], str | None]) -> tuple[str, str | None] | None:
    """The hidden entry, or chart or kustomize folder, a walk stops at on the way to ``parts`` (kind None: hidden).

    As ``files.walk`` meets them: each level's name is checked for a dot, then a directory for its kind.
    """
    for depth, part in enumerate(parts):
        here = inside + "/".join(parts[: depth + 1])
        if part.startswith("."):
            return here, None
        if depth < len(parts) - 1:
            kind = kind_of(here)
            if kind is not None:
                return here, kind
    return None


def _entries(data: bytes) -> list[_Entry]:
    """``git ls-tree -l -z`` records: ``MODE TYPE SHA SIZE\\tPATH`` (SIZE ``-`` for a submodule)."""
    found = []
    for record in data.split(b"\0"):
        if not record:
            continue
        meta, _, raw = record.partition(b"\t")
        mode, kind, sha, size = meta.decode().split()
        found.append(_Entry(mode, kind, sha, int(size) if size.isdigit() else 0, raw.decode("utf-8", "surrogateescape")))
    return found


class _Reader:
    """Turns tree entries into inputs: links followed, sizes bounded, blobs read in one ``git cat-file``."""

    def __init__(self, revision: str, prefix: str, tree: dict[str, _Entry], cwd: str | None, max_bytes: int) -> None:
        self.revision, self.prefix, self.tree, self.cwd, self.max_bytes = revision, prefix, tree, cwd, max_bytes
        self.result = Revision()
        self._blobs: list[tuple[int, str, str, bool]] = []  # (slot in items, name, sha, walked)
        self.added = 0  # entries taken (hidden ones are not)

    def name(self, entry_path: str) -> str:
        """``git:REV:path``, the path relative to the current directory."""
        return f"{PREFIX}{self.revision}:{posixpath.relpath(entry_path, self.prefix or '.')}"

    def skip(self, path: str, kind: str | None) -> None:
        """A hidden entry (``kind`` None), or a chart or kustomize folder, that the walk does not enter."""
        if kind is None:
            self.result.items.append(Passed(self.name(path), _HIDDEN))
            return
        self.added += 1  # as on disk, a folder is something found: the directory is not "without manifests"
        label = self.name(path)
        self.result.items.append(Passed(label, render.FOLDERS, f"{label}: not read: {_not_rendered(kind)}"))

    def add(self, entry: _Entry, *, walked: bool) -> None:
        """One input: a blob to read later, or why it is not read."""
        self.added += 1
        label = self.name(entry.path)
        if entry.kind == "commit":
            self.result.warnings.append(f"warning: {label}: a submodule; its manifests are not read")
            return
        final = self._follow(entry)
        items = self.result.items
        if final is None:
            missing = "broken symbolic link" if walked else "no such file or directory"
            items.append(Unreadable(InputError(missing, Location(label)), walked=walked))
        elif isinstance(final, str):  # a directory
            items.append(Passed(label, "symbolic links to directories (not followed)"))
        elif final.size > self.max_bytes:
            items.append(dataclasses.replace(_too_large(label, self.max_bytes, final.size), walked=walked))
        else:
            self._blobs.append((len(items), label, final.sha, walked))
            items.append(Passed(label, "pending"))  # replaced by read_blobs()

    def _follow(self, entry: _Entry) -> _Entry | str | None:
        """The blob a link leads to (links inside the revision only), a directory's path, or None."""
        for _ in range(_MAX_LINKS):
            if entry.mode != _LINK:
                return entry
            target = _cat([entry.sha], self.cwd)[entry.sha].decode("utf-8", "surrogateescape")
            goal = posixpath.normpath(posixpath.join(posixpath.dirname(entry.path), target))
            found = self.tree.get(goal)
            if found is None:
                return goal if any(p.startswith(goal + "/") for p in self.tree) else None
            entry = found
        return None

    def read_blobs(self) -> None:
        """Read every pending blob at once and decode it."""
        contents = _cat(sorted({sha for _, _, sha, _ in self._blobs}), self.cwd)
        for slot, label, sha, walked in self._blobs:
            item = decode(contents[sha], label)
            self.result.items[slot] = dataclasses.replace(item, walked=walked)


def _cat(shas: Sequence[str], cwd: str | None) -> dict[str, bytes]:
    """The contents of objects, in one ``git cat-file --batch``."""
    if not shas:
        return {}
    done = _git(["cat-file", "--batch"], cwd, stdin="".join(f"{s}\n" for s in shas).encode())
    if done.returncode != 0:
        raise UsageError(f"git cat-file failed: {_first_line(done.stderr)}")
    out, data, at = {}, done.stdout, 0
    for sha in shas:
        end = data.index(b"\n", at)
        size = int(data[at:end].split()[2])
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
    max_bytes: int = MAX_BYTES,
) -> Cluster:
    """Load the manifests under ``path`` at ``revision`` of the repository around ``cwd``, as ``load`` loads files."""
    read = read_revision(revision, path, cwd=cwd, max_bytes=max_bytes)
    builder = Builder(default_namespace, lenient)
    builder.warnings.extend(read.warnings)
    with collector_paused():
        for item in read.items:
            builder.add(item)
        return builder.cluster()
