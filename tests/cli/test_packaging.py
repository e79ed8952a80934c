"""Packaging metadata: a license file and SPDX expression, one version source, a light install."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import podwall
from tests.cli.harness import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_license_is_an_spdx_expression_with_its_file() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    # PEP 639: a license expression excludes License :: classifiers (setuptools refuses both)
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_one_version_source() -> None:
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["dynamic"]["version"] == {"attr": "podwall.__version__"}
    assert podwall.__version__.count(".") == 2


def test_runtime_dependencies_are_few_and_urls_are_given() -> None:
    assert sorted(d.split(">")[0].split("=")[0] for d in PROJECT["dependencies"]) == ["PyYAML", "click"]
    assert {"Homepage", "Source", "Issues"} <= set(PROJECT["urls"])
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in PROJECT["classifiers"])


@pytest.mark.skipif(not os.environ.get("PODWALL_BUILD_TEST"), reason="builds a wheel (about a minute): PODWALL_BUILD_TEST=1")
def test_the_build_prints_no_deprecation_banner(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(tmp_path), "-v"],
                          capture_output=True, text=True, check=True)
    output = done.stdout + done.stderr
    assert "SetuptoolsDeprecationWarning" not in output and "!!" not in output
    assert list(tmp_path.glob("podwall-*.whl"))
