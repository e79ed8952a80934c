"""``frozen`` and ``mutable`` make the classes ``dataclass(frozen=True, slots=True)`` and
``dataclass(slots=True)`` make, without compiling per class.

Every such class of podwall is held to a twin the standard library builds from the same fields:
the same ``__init__`` signature, repr, equality, hash, order, refusals and pickling.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from dataclasses import InitVar, dataclass, field
from typing import Any, ClassVar

import pytest

import podwall
from podwall.model import quick
from podwall.model.quick import frozen, mutable


def _frozen_classes() -> list[type]:
    """Every class of the podwall package made by ``frozen`` or ``mutable``."""
    found: dict[str, type] = {}
    for module in pkgutil.walk_packages(podwall.__path__, "podwall."):
        if module.name.endswith("__main__"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            init = getattr(value, "__init__", None)
            if (isinstance(value, type) and value.__module__.startswith("podwall.")
                    and getattr(getattr(init, "__code__", None), "co_filename", "").startswith("<podwall.model.quick")):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


CLASSES = _frozen_classes()


def _twin(cls: type) -> type:
    """The class the standard library makes of ``cls``'s fields."""
    specs = []
    for f in dataclasses.fields(cls):
        options: dict[str, Any] = {"init": f.init, "repr": f.repr, "hash": f.hash, "compare": f.compare}
        if f.default is not dataclasses.MISSING:
            options["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            options["default_factory"] = f.default_factory
        specs.append((f.name, f.type, field(**options)))
    return dataclasses.make_dataclass(cls.__name__, specs, frozen=_frozen(cls), slots=True, eq="__eq__" in cls.__dict__,
                                      order="__lt__" in cls.__dict__)


def _frozen(cls: type) -> bool:
    return "__setattr__" in cls.__dict__


def _generated(cls: type, name: str) -> bool:
    """Whether ``cls.name`` is the method ``frozen`` made (not the class's own)."""
    code = getattr(cls.__dict__.get(name), "__code__", None)
    return code is not None and (code.co_filename.startswith("<podwall.model.quick") or code.co_filename == quick.__file__)


def _values(cls: type, salt: str = "") -> dict[str, str]:
    return {f.name: f"{f.name}{salt}" for f in dataclasses.fields(cls)}


def test_every_model_class_is_made_by_frozen() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"Pod", "Workload", "NetworkPolicy", "Rule", "LabelSelector", "Namespace", "Cluster"} <= names
    assert len(CLASSES) > 100


def test_templates_are_compiled_per_shape_not_per_class() -> None:
    assert len(quick._CACHE) < len(CLASSES) / 2


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_the_same_class_as_the_standard_library_makes(cls: type) -> None:
    twin = _twin(cls)
    ours, theirs = inspect.signature(cls.__init__), inspect.signature(twin.__init__)
    assert [(p.name, p.kind, repr(p.default)) for p in ours.parameters.values()] \
        == [(p.name, p.kind, repr(p.default)) for p in theirs.parameters.values()]  # a factory's shows as <factory>
    assert cls.__match_args__ == twin.__match_args__  # type: ignore[attr-defined]
    assert cls.__slots__ == twin.__slots__  # type: ignore[attr-defined]
    assert (cls.__hash__ is None) == (twin.__hash__ is None)
    if hasattr(cls, "__post_init__"):
        return  # its checks want real values
    values, other = _values(cls), _values(cls, "'")
    made, made_twin = cls(**values), twin(**values)
    if _generated(cls, "__repr__"):
        assert repr(made) == repr(made_twin).replace(twin.__qualname__, cls.__qualname__, 1)
    for f in dataclasses.fields(cls):  # one field changed: equal and same hash as the twin says
        changed = {**values, f.name: other[f.name]}
        if _generated(cls, "__eq__"):
            assert (made == cls(**changed)) == (made_twin == twin(**changed)), f.name
        if _generated(cls, "__hash__"):
            assert hash(made) == hash(made_twin)
            assert (hash(made) == hash(cls(**changed))) == (hash(made_twin) == hash(twin(**changed))), f.name
        if "__lt__" in cls.__dict__:
            assert (made < cls(**changed)) == (made_twin < twin(**changed)), f.name
            assert (made >= cls(**changed)) == (made_twin >= twin(**changed)), f.name
    if _generated(cls, "__eq__"):
        assert made == cls(**values) and made != made_twin  # another class is never equal
    name = next(iter(values), "anything")
    if _frozen(cls):
        with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"):
            setattr(made, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field '{name}'"):
            delattr(made, name)
    assert dataclasses.replace(made, **other) == cls(**other)
    assert copy.deepcopy(made) == made
    if "<locals>" not in cls.__qualname__:
        assert pickle.loads(pickle.dumps(made)) == made
    if not _frozen(cls) and values:
        setattr(made, name, "changed")
        assert getattr(made, name) == "changed"


@frozen
class Sample:
    """Module level: pickled."""

    a: int
    b: str = "x"
    c: dict[str, int] = field(default_factory=dict, hash=False)
    d: int = field(default=3, compare=False)
    limit: ClassVar[int] = 9


def test_defaults_factories_and_errors_as_the_standard_library_says() -> None:
    first, second = Sample(1), Sample(1)
    assert first.c == {} and first.c is not second.c and first == second and hash(first) == hash(second)
    assert Sample(1, c={"k": 1}) != first and hash(Sample(1, c={"k": 1})) == hash(first)
    assert Sample(1, d=4) == first
    assert repr(Sample(1, "y")) == "Sample(a=1, b='y', c={}, d=3)"
    assert str(inspect.signature(Sample)) == "(a: 'int', b: 'str' = 'x', c: 'dict[str, int]' = <factory>, d: 'int' = 3) -> None"
    assert Sample.__doc__ == "Module level: pickled."
    assert [f.name for f in dataclasses.fields(Sample)] == ["a", "b", "c", "d"] and Sample.limit == 9
    with pytest.raises(TypeError, match=r"Sample.__init__\(\) missing 1 required positional argument: 'a'"):
        Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"got an unexpected keyword argument 'e'"):
        Sample(1, e=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"got multiple values for argument 'a'"):
        Sample(1, a=2)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'other'"):
        first.other = 1  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(Sample(2, c={"k": 1}))) == Sample(2, c={"k": 1})


def test_order_post_init_and_a_class_s_own_methods() -> None:
    @frozen(order=True)
    class Version:
        major: int
        minor: int = 0

    assert sorted([Version(2), Version(1, 5), Version(1)]) == [Version(1), Version(1, 5), Version(2)]
    assert Version(1) <= Version(1) and not Version(1) > Version(1) and Version(1).__lt__(3) is NotImplemented

    seen = []

    @frozen
    class Checked:
        a: int

        def __post_init__(self) -> None:
            seen.append(self.a)

    Checked(4)
    assert seen == [4]

    @frozen
    class OwnEq:
        a: int
        b: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnEq) and self.a == other.a

    assert OwnEq(1, 2) == OwnEq(1, 3) and hash(OwnEq(1, 2)) == hash((1, 2))  # its __eq__, the generated hash

    @frozen
    class OwnHash:
        a: int

        def __hash__(self) -> int:
            return 7

    assert hash(OwnHash(1)) == 7 and OwnHash(1) == OwnHash(1)

    @frozen(eq=False)
    class Identity:
        a: int

    one = Identity(1)
    assert one != Identity(1) and one == one and hash(one) == object.__hash__(one)

    @frozen
    class Undocumented:
        a: int = 1

    assert Undocumented.__doc__ == "Undocumented(a: 'int' = 1)"


def test_refuses_what_it_does_not_build() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        @frozen
        class Misordered:
            a: int = 1
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="frozen: KeywordOnly.a is not a plain field"):
        @frozen
        class KeywordOnly:
            a: int = field(kw_only=True)

    with pytest.raises(TypeError, match="frozen: NotInit.a is not a plain field"):
        @frozen
        class NotInit:
            a: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="frozen: WithInitVar.a is not a plain field"):
        @frozen
        class WithInitVar:
            a: InitVar[int]

    with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__ in class Settable"):
        @frozen
        class Settable:
            a: int

            def __setattr__(self, name: str, value: object) -> None:
                pass

    with pytest.raises(ValueError, match="eq must be true if order is true"):
        frozen(eq=False, order=True)(type("Unordered", (), {"__annotations__": {"a": "int"}}))


def test_a_mutable_class_changes_and_has_no_hash() -> None:
    @mutable
    class Draft:
        a: int
        b: list[int] = field(default_factory=list)

    draft = Draft(1)
    draft.a = 2
    draft.b.append(3)
    assert draft == Draft(2, [3]) and repr(draft).endswith("<locals>.Draft(a=2, b=[3])") and Draft.__hash__ is None
    with pytest.raises(TypeError, match="unhashable type"):
        hash(draft)
    with pytest.raises(AttributeError):
        draft.c = 1  # type: ignore[attr-defined]  # slotted

    with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__ in class Watched"):
        @mutable
        class Watched:
            a: int

            def __setattr__(self, name: str, value: object) -> None:
                pass


def test_a_standard_frozen_dataclass_is_refused_as_a_subclass() -> None:
    with pytest.raises(TypeError, match="cannot inherit frozen dataclass from a non-frozen one"):
        @dataclass(frozen=True, slots=True)
        class Child(Sample):
            e: int = 0
