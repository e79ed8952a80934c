"""Helm charts and kustomize folders: recognised, explained in one line, rendered on request.

A chart's templates are not manifests (``{{ .Values.x }}`` is not YAML), and a
kustomize folder's files are pieces of the real objects. Given to ``-f`` (or met
in a directory walk) such a folder gets one line telling how to render it; with
``render`` podwall runs ``helm template DIR`` or ``kubectl kustomize DIR`` itself,
when the tool is on PATH, and reads what it prints.
"""

from __future__ import annotations

from podwall.errors import InputError, Location
from podwall.loader.files import HELM, KUSTOMIZE, Folder, Passed, Source, Unreadable, decode, folder_kind

_COMMANDS = {HELM: ("helm", "template"), KUSTOMIZE: ("kubectl", "kustomize")}
_WHAT = {HELM: "a Helm chart", KUSTOMIZE: "a kustomize folder"}
#: The reason a walk gives for the folders it does not enter (on disk and at a git revision).
FOLDERS = "Helm charts and kustomize folders"
_TIMEOUT = 300


def what(kind: str) -> str:
    """``a Helm chart`` or ``a kustomize folder``."""
    return _WHAT[kind]


def command(kind: str, directory: str) -> list[str]:
    """The command that renders the folder."""
    return [*_COMMANDS[kind], directory]


def hint(kind: str, directory: str) -> str:
    """One line: what the folder is and how to give podwall its objects."""
    shown = " ".join(command(kind, directory))
    return (f"{_WHAT[kind]}, not manifests: render it, {shown} | podwall ... -f -, "
            f"or add --render to let podwall run {_COMMANDS[kind][0]}")


def template_syntax(errors: list[InputError], text: str, path: str) -> list[InputError]:
    """Parse errors of a file holding ``{{`` (a chart's template given with ``-f``), each with the render hint.

    The chart is the nearest folder above the file that holds a Chart.yaml
    (``CHART`` in the hint when there is none).
    """
    if not errors or "{{" not in text:
        return errors
    from pathlib import Path  # a template's errors only

    folder = Path(path).parent
    chart = next((str(d) for d in [folder, *folder.parents][:6] if folder_kind(str(d)) == HELM), None)
    where = f"{chart} is " if chart else ""
    extra = f" (the file holds Helm template syntax {{{{ }}}}: {where}{hint(HELM, chart or 'CHART')})"
    return [InputError(error.message + extra, error.location) for error in errors]


def resolve(folder: Folder, render: bool, max_bytes: int) -> Source | Unreadable | Passed:
    """What becomes of a chart or kustomize folder: its rendering, or the line that says how to render it.

    Named with ``-f`` it is an error without ``render``; met in a walk, a warning
    (the rest of the repository is still read).
    """
    if render:
        return run(folder.kind, folder.path, max_bytes)
    line = hint(folder.kind, folder.path)
    if folder.walked:
        return Passed(folder.path, FOLDERS, f"{folder.path}: not read: {line}")
    return Unreadable(InputError(line, Location(folder.path)))


def run(kind: str, directory: str, max_bytes: int) -> Source | Unreadable:
    """Run the folder's renderer and return what it printed, named ``DIR (helm template)``."""
    import shutil  # --render only: not every command's imports
    import subprocess

    argv = command(kind, directory)
    name = f"{directory} ({' '.join(argv[:2])})"
    if shutil.which(argv[0]) is None:
        return Unreadable(InputError(f"{_WHAT[kind]}: --render needs {argv[0]} on PATH, which is not there; "
                                     f"render it yourself: {' '.join(argv)} | podwall ... -f -", Location(directory)))
    try:
        done = subprocess.run(argv, capture_output=True, timeout=_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return Unreadable(InputError(f"{' '.join(argv)} did not finish in {_TIMEOUT} s", Location(directory)))
    except OSError as exc:
        return Unreadable(InputError(f"cannot run {argv[0]}: {exc.strerror or exc}", Location(directory)))
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if said else f"exit code {done.returncode}"
        return Unreadable(InputError(f"{' '.join(argv[:2])} failed: {reason}", Location(directory)))
    if len(done.stdout) > max_bytes:
        return Unreadable(InputError(f"{' '.join(argv[:2])} printed more than --max-input-mb allows", Location(directory)))
    return decode(done.stdout, name)
