"""Detection on kube-system (and friends) as each plugin's published install manifests create it, trimmed."""

from __future__ import annotations

from pathlib import Path

import pytest

from podwall.cni import choose, detect, image_parts, profile
from podwall.loader import load

DATA = Path(__file__).parent / "data"

#: fixture -> (profile, version, evidence lines)
CASES = {
    "calico-manifest": ("calico", "v3.28.0", ["DaemonSet kube-system/calico-node, image docker.io/calico/node:v3.28.0"]),
    "calico-operator": ("calico", "v3.30.2", ["DaemonSet calico-system/calico-node, image quay.io/calico/node:v3.30.2"]),
    "canal": ("canal", "v3.28.0", ["DaemonSet kube-system/canal, image docker.io/calico/node:v3.28.0"]),
    "cilium": (
        "cilium",
        "v1.16.3",
        ["DaemonSet kube-system/cilium, image quay.io/cilium/cilium:v1.16.3@sha256:"
         "62d2a09bbef840a46099ac4c69421c90f84f28d018d479749049011329aa7f28"],
    ),
    "cilium-pods": ("cilium", "v1.15.6", ["Pod kube-system/cilium-7xk2p, image quay.io/cilium/cilium:v1.15.6"]),
    "antrea": ("antrea", "v2.1.0", ["DaemonSet kube-system/antrea-agent, image antrea/antrea-agent-ubuntu:v2.1.0"]),
    "ovn-kubernetes": ("ovn-kubernetes", "master", [
        "DaemonSet ovn-kubernetes/ovnkube-node, image ghcr.io/ovn-kubernetes/ovn-kubernetes/ovn-kube-ubuntu:master"
    ]),
    "kube-router": ("kube-router", None, ["DaemonSet kube-system/kube-router, image docker.io/cloudnativelabs/kube-router"]),
    "weave": ("weave", "latest", ["DaemonSet kube-system/weave-net, image weaveworks/weave-kube:latest"]),
    "flannel": ("flannel", "v0.25.5", ["DaemonSet kube-flannel/kube-flannel-ds, image docker.io/flannel/flannel:v0.25.5"]),
    "kindnet-old": ("kindnet", "v20230809-80a64d96", [
        "DaemonSet kube-system/kindnet, image docker.io/kindest/kindnetd:v20230809-80a64d96"
    ]),
    "kindnet": ("kindnet", "v20250214-acbabc1a", ["DaemonSet kube-system/kindnet, image docker.io/kindest/kindnetd:v20250214-acbabc1a"]),
    "kind-v0.24": ("kube-network-policies", "v0.2.0", [
        "DaemonSet kube-system/kube-network-policies, image registry.k8s.io/networking/kube-network-policies:v0.2.0"
    ]),
    "aws-vpc-cni": ("aws-vpc-cni", "v1.18.3", [
        "DaemonSet kube-system/aws-node, image 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.3"
    ]),
    "aws-vpc-cni-netpol": ("aws-vpc-cni-netpol", "v1.18.3", [
        "DaemonSet kube-system/aws-node, image 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.3"
    ]),
    "azure-npm": ("azure-npm", "v1.5.45", [
        "DaemonSet kube-system/azure-npm, image mcr.microsoft.com/containernetworking/azure-npm:v1.5.45"
    ]),
    "gke-dataplane-v2": ("gke-dataplane-v2", None, ["DaemonSet kube-system/anetd"]),
    "k3s-nodes": ("kube-router", None, ["Node server-1, annotation k3s.io/node-args"]),
    "k3s-no-policy-nodes": ("flannel", None, ["Node server-1, annotation flannel.alpha.coreos.com/backend-type"]),
    "calico-nodes": ("calico", None, ["Node worker-1, annotation projectcalico.org/IPv4Address"]),
}  # fmt: skip


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.stem for p in DATA.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_detect(fixture: str) -> None:
    name, version, evidence = CASES[fixture]
    found = detect(load([str(DATA / f"{fixture}.yaml")]))
    assert found.profile is not None and found.profile.name == name
    assert found.version == version
    assert [e.text for e in found.evidence] == evidence


@pytest.mark.parametrize(
    ("fixture", "enforces"),
    [("kindnet-old", False), ("kindnet", True), ("aws-vpc-cni", False), ("aws-vpc-cni-netpol", True),
     ("flannel", False), ("k3s-nodes", True), ("k3s-no-policy-nodes", False)],
)
def test_the_version_or_the_agent_decides_enforcement(fixture: str, enforces: bool) -> None:
    assert choose(load([str(DATA / f"{fixture}.yaml")])).conventions.enforces is enforces


def test_version_changes_what_is_judged() -> None:
    """Cilium 1.15 ignores endPort; calico 3.28 has no admin tiers, 3.30 has v1alpha1 only."""
    assert choose(load([str(DATA / "cilium-pods.yaml")])).conventions.end_port is False
    assert choose(load([str(DATA / "cilium.yaml")])).conventions.end_port is True
    assert choose(load([str(DATA / "calico-manifest.yaml")])).conventions.admin_apis == frozenset()
    assert choose(load([str(DATA / "calico-operator.yaml")])).conventions.admin_apis == frozenset({"v1alpha1"})


def _kindnet(tag: str) -> str:
    return (DATA / "kindnet.yaml").read_text().replace("v20250214-acbabc1a", tag)


@pytest.mark.parametrize(
    ("tag", "enforces", "known"),
    [
        ("latest", True, True),  # the newest release: the newest statement
        ("stable", True, True),
        ("main", True, False),  # no version: the newest statement, said to be a guess
        ("v20230809-80a64d96", False, True),  # kind v0.23
        ("v20240513-cd2ac642", False, True),  # the last tag confirmed not to embed kube-network-policies
        ("v20240730-75a5af0c", "unknown", True),  # between the confirmed ones: not confirmed either way
        ("v20250214-acbabc1a", True, True),  # the first confirmed to embed it, exactly at `since`
    ],
)
def test_image_tags_decide_kindnet_enforcement(tag: str, enforces: object, known: bool) -> None:
    from podwall.loader import load_text

    choice = choose(load_text(_kindnet(tag)))
    statement = choice.profile.statement("enforces")
    assert statement.value_at(choice.detection.repository, choice.version) == enforces
    assert choice.conventions.enforces is (enforces is not False)  # unknown: judged as generic
    assert choice.version_unknown is (not known)


def test_since_is_the_first_version_with_the_value() -> None:
    """``since`` is inclusive and ``unknown_after`` exclusive (a >= / > mutation fails here)."""
    statement = profile("kindnet").statement("enforces")
    assert statement.value_at("kindest/kindnetd", "v20250214-acbabc1a") is True
    assert statement.value_at("kindest/kindnetd", "v20250213-ffffffff") == "unknown"
    assert statement.value_at("kindest/kindnetd", "v20240513-cd2ac642") is False
    assert statement.value_at("kindest/kindnetd", "v20240514-00000000") == "unknown"
    assert statement.value_at("aojea/kindnetd", "v1.3.0") is True
    assert statement.value_at("aojea/kindnetd", "v1.2.9") is False  # no unknown range for this repository
    assert profile("cilium").statement("end_port").value_at("cilium/cilium", "v1.16.0") is True
    assert profile("cilium").statement("end_port").value_at("cilium/cilium", "v1.15.99") is False


def test_a_tag_that_is_no_version_is_said_in_podwall_cni() -> None:
    from podwall.loader import load_text
    from podwall.render.cni import cni_text

    text = cni_text(choose(load_text(_kindnet("main"))))
    assert text.splitlines()[0] == "network plugin: kindnet main (version unknown: the image tag is no version)"
    assert "  enforces NetworkPolicy" in text
    assert "yes (version unknown, tag main: the newest statement)" in text
    assert choose(load_text(_kindnet("main"))).line().startswith(
        "podwall: CNI profile kindnet main (version unknown: the newest statements) (detected: ")
    latest = cni_text(choose(load_text(_kindnet("latest"))))
    assert latest.splitlines()[0] == "network plugin: kindnet latest"
    assert "yes (tag latest: the newest statement)" in latest


def test_an_old_kindnetd_does_not_compete_with_calico() -> None:
    """kindnetd that enforces nothing is no policy engine: Calico's agent decides."""
    found = detect(load([str(DATA / "kindnet-old.yaml"), str(DATA / "calico-manifest.yaml")]))
    assert found.profile is not None and found.profile.name == "calico"
    assert found.found == ("calico", "kindnet")
    recent = detect(load([str(DATA / "kindnet.yaml"), str(DATA / "calico-manifest.yaml")]))
    assert recent.profile is None and recent.ambiguous and recent.found == ("calico", "kindnet")


def test_two_enforcing_plugins_are_ambiguous() -> None:
    found = detect(load([str(DATA / "calico-manifest.yaml"), str(DATA / "cilium.yaml")]))
    assert found.profile is None and found.ambiguous and found.found == ("calico", "cilium")
    choice = choose(load([str(DATA / "calico-manifest.yaml"), str(DATA / "cilium.yaml")]))
    assert choice.profile.name == "generic"
    assert choice.line() == (
        "podwall: CNI profile generic (several network plugins found: calico, cilium; --cni NAME picks one)"
    )


def test_enforcing_plugin_wins_over_flannel() -> None:
    """Calico's policy agent beside Flannel's networking: the policies are Calico's."""
    found = detect(load([str(DATA / "flannel.yaml"), str(DATA / "calico-manifest.yaml")]))
    assert found.profile is not None and found.profile.name == "calico"
    assert found.found == ("calico", "flannel")


def test_nothing_recognised() -> None:
    choice = choose(load([str(Path(__file__).parents[2] / "examples" / "tutorial")]))
    assert (choice.profile.name, choice.detection.found) == ("generic", ())
    assert choice.line() == "podwall: CNI profile generic (no network plugin recognised in the input; --cni NAME picks one)"


def test_cni_option_wins_and_says_what_the_input_looks_like() -> None:
    choice = choose(load([str(DATA / "flannel.yaml")]), "cilium")
    assert choice.line() == (
        "podwall: CNI profile cilium (--cni; the input looks like flannel: "
        "DaemonSet kube-flannel/kube-flannel-ds, image docker.io/flannel/flannel:v0.25.5)"
    )
    same = choose(load([str(DATA / "flannel.yaml")]), "flannel")
    assert same.line() == "podwall: CNI profile flannel v0.25.5 (--cni)"


@pytest.mark.parametrize(
    ("image", "parts"),
    [
        ("docker.io/calico/node:v3.28.0", ("calico/node", "v3.28.0")),
        ("calico/node", ("calico/node", None)),
        ("localhost:5000/cilium/cilium:v1.16.0@sha256:abc", ("cilium/cilium", "v1.16.0")),
        ("602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.3", ("amazon-k8s-cni", "v1.18.3")),
        ("nginx", ("nginx", None)),
    ],
)
def test_image_parts(image: str, parts: tuple[str, str | None]) -> None:
    assert image_parts(image) == parts


def test_an_image_with_unusual_characters_is_not_echoed() -> None:
    text = (DATA / "cilium.yaml").read_text().replace(
        '"quay.io/cilium/cilium:v1.16.3@sha256:62d2a09bbef840a46099ac4c69421c90f84f28d018d479749049011329aa7f28"',
        '"quay.io/cilium/cilium:v1\\u001b[2J"',
    )
    from podwall.loader import load_text

    found = detect(load_text(text))
    assert [e.text for e in found.evidence] == ["DaemonSet kube-system/cilium, image cilium/cilium"]
    assert found.version is None
