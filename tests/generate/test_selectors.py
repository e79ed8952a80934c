"""kubectl-syntax selectors: parsing, errors, printing back, and sample labels."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwall.errors import UsageError
from podwall.generate.selectors import (
    parse_selector,
    sample_labels,
    selector_manifest,
    selector_slug,
    selector_text,
)
from podwall.model import LabelSelector, Operator, Requirement

IN, NOT_IN, EXISTS, MISSING = Operator.IN, Operator.NOT_IN, Operator.EXISTS, Operator.DOES_NOT_EXIST


@pytest.mark.parametrize(
    ("text", "labels", "expressions"),
    [
        ("", (), ()),
        ("   ", (), ()),
        ("app=web", (("app", "web"),), ()),
        ("app==web", (("app", "web"),), ()),
        ("tier=,app=web", (("app", "web"), ("tier", "")), ()),
        ("app=", (("app", ""),), ()),
        ("env!=prod", (), (Requirement("env", NOT_IN, ("prod",)),)),
        ("canary", (), (Requirement("canary", EXISTS),)),
        ("!canary", (), (Requirement("canary", MISSING),)),
        ("tier in (db, cache)", (), (Requirement("tier", IN, ("cache", "db")),)),
        ("tier notin (a)", (), (Requirement("tier", NOT_IN, ("a",)),)),
        ("tier IN (a,a,b)", (), (Requirement("tier", IN, ("a", "b")),)),
        (
            "app=backend,tier in (db,cache),!canary",
            (("app", "backend"),),
            (Requirement("tier", IN, ("cache", "db")), Requirement("canary", MISSING)),
        ),
        ("app.kubernetes.io/name=web , app=web", (("app", "web"), ("app.kubernetes.io/name", "web")), ()),
        ("a=1,a=1,!b,!b", (("a", "1"),), (Requirement("b", MISSING),)),
    ],
)
def test_parse(text: str, labels: tuple[tuple[str, str], ...], expressions: tuple[Requirement, ...]) -> None:
    assert parse_selector(text) == LabelSelector(labels, expressions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app in (a", 'invalid selector "app in (a": missing \')\''),
        ("app in a", 'invalid selector "app in a": expected \'(\' after "in"'),
        ("app in ()", 'invalid selector "app in ()": empty value in the list of app in'),
        ("app in (a,)", 'invalid selector "app in (a,)": empty value in the list of app in'),
        ("app in (a b)", 'invalid selector "app in (a b)": expected \',\' or \')\' in the list of app in, got "b"'),
        ("app=a,app=b", 'invalid selector "app=a,app=b": app is given twice (app=a and app=b), so it matches nothing'),
        ("a>1", 'invalid selector "a>1": operator ">" is not supported by label selectors (use =, ==, !=, in, notin, ! or a bare key)'),
        ("app=a b", 'invalid selector "app=a b": expected \',\' between requirements, got "b"'),
        ("app web", 'invalid selector "app web": expected an operator (=, ==, !=, in, notin) or \',\' after "app", got "web"'),
        (",app", 'invalid selector ",app": expected a label key, got ","'),
        ("!", 'invalid selector "!": expected a label key, got the end'),
        ("-app=x", 'invalid selector "-app=x": label key "-app": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'),
        ("Bad_Prefix/app=x", 'invalid selector "Bad_Prefix/app=x": label key "Bad_Prefix/app": prefix part must be a lowercase RFC 1123 subdomain: lowercase letters, digits, \'-\' and \'.\', starting and ending with a letter or digit'),
        ("app=-x", 'invalid selector "app=-x": value "-x" of app: must be empty or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'),
        (f"app={'v' * 64}", None),
    ],
)
def test_errors_are_one_line(text: str, message: str | None) -> None:
    with pytest.raises(UsageError) as caught:
        parse_selector(text)
    assert "\n" not in str(caught.value)
    if message is not None:
        assert str(caught.value) == message
    else:
        assert "no more than 63 characters" in str(caught.value)


def test_text_and_manifest() -> None:
    selector = parse_selector("app=web,tier in (db,cache),!canary,env!=prod,ready")
    assert selector_text(selector) == "app=web,tier in (cache,db),!canary,env!=prod,ready"
    assert selector_manifest(selector) == {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["cache", "db"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "env", "operator": "NotIn", "values": ["prod"]},
            {"key": "ready", "operator": "Exists"},
        ],
    }
    assert selector_text(LabelSelector()) == "{}" and selector_manifest(LabelSelector()) == {}


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("", "all-pods"),
        ("app=web,tier=x", "web"),
        ("app.kubernetes.io/name=Shop_Web", "shop-web"),
        ("tier=x,zone=", "x-zone"),
        ("tier in (db)", "db"),
        ("tier in (a,b),!canary", "tier-in-a-b-not-canary"),
    ],
)
def test_slug(text: str, slug: str) -> None:
    assert selector_slug(parse_selector(text)) == slug


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("", {}),
        ("app=web,!canary", {"app": "web"}),
        ("tier in (b,a),tier notin (a)", {"tier": "b"}),
        ("ready,ready notin (x)", {"ready": "y"}),
        ("env!=prod", {}),
        ("app=a,app notin (a)", None),
        ("ready,!ready", None),
        ("t in (a),t in (b)", None),
    ],
)
def test_sample_labels(text: str, labels: dict[str, str] | None) -> None:
    assert sample_labels(parse_selector(text)) == labels


KEYS = st.sampled_from(["app", "tier", "example.com/role", "k8s-app"])
VALUES = st.sampled_from(["a", "b", "web", "v1.2", ""])
TERMS = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", KEYS, VALUES),
    st.builds(lambda k, v: f"{k}!={v}", KEYS, VALUES),
    st.builds(lambda k: k, KEYS),
    st.builds(lambda k: f"!{k}", KEYS),
    st.builds(lambda k, vs, op: f"{k} {op} ({','.join(vs)})", KEYS, st.lists(VALUES.filter(bool), min_size=1, max_size=3), st.sampled_from(["in", "notin"])),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(TERMS, max_size=5), st.dictionaries(KEYS, VALUES, max_size=4))
def test_text_reads_back_and_samples_match(terms: list[str], labels: dict[str, str]) -> None:
    try:
        selector = parse_selector(",".join(terms))
    except UsageError:
        return  # k=a,k=b: rejected on purpose
    assert parse_selector(selector_text(selector).replace("{}", "")) == selector
    sample = sample_labels(selector)
    if sample is not None:
        assert selector.matches(sample)
    elif selector.matches(labels):  # None claims nothing matches: no label set may contradict it
        pytest.fail(f"{selector_text(selector)} matches {labels} but sample_labels found nothing")
