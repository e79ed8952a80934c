"""``quick_init`` builds the same objects as the dataclass's own ``__init__``, and refuses what it cannot."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field

import pytest

from podwall.loader.convert import RawObject
from podwall.loader.owners import WorkloadDraft
from podwall.model import (
    Container,
    ContainerPort,
    IPBlockPeer,
    LabelSelector,
    NetworkPolicy,
    Pod,
    PodPeer,
    PortSpec,
    Requirement,
    Rule,
    Workload,
    WorkloadRef,
)
from podwall.model.quick import quick_init

QUICK = [LabelSelector, Requirement, PortSpec, PodPeer, Rule, NetworkPolicy, IPBlockPeer, ContainerPort, Container,
         WorkloadRef, Pod, Workload, RawObject, WorkloadDraft]


def _pair() -> tuple[type, type]:
    def make() -> type:
        @dataclass(frozen=True, slots=True)
        class Sample:
            a: int
            b: str = "x"
            c: dict[str, int] = field(default_factory=dict, hash=False)

        return Sample

    return make(), quick_init(make())


@pytest.mark.parametrize("args, kwargs", [((1,), {}), ((1, "y"), {}), ((), {"a": 1, "c": {"k": 2}}), ((1,), {"b": "z"})])
def test_the_same_fields_as_the_dataclass_init(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    plain, quick = _pair()
    expected, made = plain(*args, **kwargs), quick(*args, **kwargs)
    assert dataclasses.astuple(made) == dataclasses.astuple(expected)
    assert repr(made).replace(quick.__qualname__, "") == repr(expected).replace(plain.__qualname__, "")


def test_defaults_from_a_factory_are_fresh_and_the_object_stays_frozen() -> None:
    _, quick = _pair()
    first, second = quick(1), quick(1)
    assert first.c == {} and first.c is not second.c and first == second and hash(first) == hash(second)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.a = 2
    with pytest.raises(TypeError):
        quick()  # a is required


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_model_classes_keep_the_dataclass_signature(cls: type) -> None:
    fields = dataclasses.fields(cls)
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert [p.name for p in parameters] == [f.name for f in fields]
    for p, f in zip(parameters, fields):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        assert (p.default is inspect.Parameter.empty) == required
        if f.default is not dataclasses.MISSING:
            assert p.default is f.default


def test_refuses_what_it_cannot_build() -> None:
    @dataclass(slots=True)
    class Mutable:
        a: int

    @dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int = field(kw_only=True)

    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (Mutable, KeywordOnly, Checked):
        with pytest.raises(TypeError, match="quick_init"):
            quick_init(cls)
