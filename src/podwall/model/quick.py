"""``frozen`` and ``mutable``: ``@dataclass(frozen=True, slots=True)`` and ``@dataclass(slots=True)`` whose
methods are not compiled class by class.

Why: the standard library writes each method of a dataclass (``__init__``,
``__repr__``, ``__eq__``, ``__hash__``, a frozen class's ``__setattr__`` and
``__delattr__``) as source text and compiles it, for every class, at every
import: 0.45 ms a class, 24 ms of each ``podwall reach`` (54 classes on its
path; docs/performance.md). Here ``dataclasses`` still reads the class (fields,
defaults, ``field()`` options, slots, ``__match_args__``, so ``fields``,
``replace`` and ``asdict`` work as ever) and the methods come from elsewhere:

- ``__init__``: a template compiled once per shape (how many fields, which take
  a default factory, whether ``__post_init__`` follows), given the fields' names
  as its parameters (``CodeType.replace``) and storing each value through its
  slot's member descriptor, not ``object.__setattr__`` by name: 0.24 us instead
  of 0.36 for three fields (some 70,000 objects are made at 10,000 pods);
- ``__eq__``, ``__hash__`` and the order methods: a template compiled once per
  number of fields, its attribute names set to the fields' — the very bytecode
  the standard library compiles, so comparing and hashing cost what they did;
- ``__repr__``, the frozen ``__setattr__``/``__delattr__``, ``__getstate__`` and
  ``__setstate__``: functions shared by every class (none is on a hot path).

Each says what the standard library's says (tests/model/test_quick.py holds every
podwall class to a twin made by ``dataclasses.dataclass``). A ``mutable`` class gets
no refusals and, equal by value, no hash, as the standard library's.
One difference: ``__dataclass_params__.frozen`` is False, so a standard frozen
dataclass cannot inherit from one of these classes (it says so at import).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from types import CodeType, FunctionType
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

__all__ = ["frozen", "mutable"]


class _Factory:
    """The default of a parameter whose field has a default factory (shown as ``<factory>``, as the stdlib's)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_ABSENT = _Factory()
_INITVAR = dataclasses._FIELD_INITVAR  # type: ignore[attr-defined]  # how dataclasses marks an InitVar pseudo-field
_CACHE: dict[Any, CodeType] = {}
#: name of an order method -> its operator
_ORDER = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


@overload
def frozen(cls: type[T], /) -> type[T]: ...


@overload
def frozen(*, eq: bool = True, order: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen(cls: type[T] | None = None, /, *, eq: bool = True, order: bool = False) -> Any:
    """``@dataclass(frozen=True, slots=True, eq=eq, order=order)``, its methods made as the module says.

    Refuses (TypeError) a field that is keyword-only, an ``InitVar``, or not in ``__init__``: none is used.
    """

    def wrap(cls: type[T]) -> type[T]:
        return _made(cls, eq, order, True)

    return wrap if cls is None else wrap(cls)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def mutable(cls: type[T], /) -> type[T]:
    """``@dataclass(slots=True)``, its methods made as the module says (for the classes a load makes by the
    thousand, or on every command's path, that change after they are made)."""
    return _made(cls, True, False, False)


def _made(cls: type[T], eq: bool, order: bool, frozen: bool) -> type[T]:
    if order and not eq:
        raise ValueError("eq must be true if order is true")
    own = cls.__dict__
    documented = bool(own.get("__doc__"))
    class_hash = own.get("__hash__", dataclasses.MISSING)
    explicit_hash = not (class_hash is dataclasses.MISSING or (class_hash is None and "__eq__" in own))
    # A mutable class's own __setattr__ is refused too: __init__ stores through the slots, not through it.
    refused = ("__setattr__", "__delattr__") if frozen else ("__setattr__",)
    for name in (*refused, *(_ORDER if order else ())):
        if name in own:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    if not documented:  # else dataclasses documents it by object's signature, parsed with tokenize (5 ms)
        cls.__doc__ = cls.__name__
    made: Any = dataclasses.dataclass(slots=True, init=False, repr=False, eq=False)(cls)
    fields = dataclasses.fields(made)
    for field in made.__dataclass_fields__.values():
        if field._field_type is _INITVAR or (field in fields and (not field.init or field.kw_only)):
            raise TypeError(f"{'frozen' if frozen else 'mutable'}: {cls.__name__}.{field.name} is not a plain field "
                            "(keyword-only, InitVar, init=False)")
    _set(made, _init(made, fields))
    _set(made, _repr(tuple(f.name for f in fields if f.repr)))
    compared = tuple(f.name for f in fields if f.compare)
    if eq:
        _set(made, _compare("__eq__", "==", compared))
        if not explicit_hash and frozen:  # (a class's own __hash__ stays, as with the stdlib)
            _set(made, _hash(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))), always=True)
        elif not explicit_hash:  # as the stdlib: equal by value and mutable, so unhashable
            made.__hash__ = None
    for name, operator in _ORDER.items() if order else ():
        _set(made, _compare(name, operator, compared))
    if frozen:
        for method in _refusals(made, frozenset(f.name for f in fields)):
            _set(made, method)
        if "__getstate__" not in made.__dict__:
            made.__getstate__ = _getstate
        if "__setstate__" not in made.__dict__:
            made.__setstate__ = _setstate
    if not documented:  # as the stdlib: the class's signature (dataclasses wrote one without __init__)
        made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
    return made  # type: ignore[no-any-return]


def _set(cls: type, method: Any, always: bool = False) -> None:
    """As ``dataclasses._set_new_attribute``: a method the class defines itself is kept (but ``always``)."""
    if always or method.__name__ not in cls.__dict__:
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)


def _template(key: Any, source: str) -> CodeType:
    """The code of the one function ``source`` defines, compiled once per ``key``."""
    code = _CACHE.get(key)
    if code is None:
        namespace: dict[str, Any] = {}
        exec(compile(source, f"<podwall.model.quick {key[0]}>", "exec"), namespace)  # noqa: S102
        code = _CACHE[key] = next(v for v in namespace.values() if isinstance(v, FunctionType)).__code__
    return code


def _renamed(code: CodeType, names: tuple[str, ...]) -> CodeType:
    """``code`` with its attribute names ``f0``, ``f1``... set to ``names``."""
    given = {f"f{i}": name for i, name in enumerate(names)}
    return code.replace(co_names=tuple(given.get(name, name) for name in code.co_names))


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> FunctionType:
    """``__init__(self, <fields>)`` storing through the slots' descriptors, defaults and factories as declared."""
    factories = tuple(f.default_factory is not dataclasses.MISSING for f in fields)
    post = hasattr(cls, "__post_init__")
    key = ("__init__", factories, post)
    lines = [
        f"_s{i}(self, _f{i}() if p{i} is _ABSENT else p{i})" if factory else f"_s{i}(self, p{i})"
        for i, factory in enumerate(factories)
    ]
    if post:
        lines.append("self.__post_init__()")
    params = "".join(f", p{i}" for i in range(len(fields)))
    code = _template(key, f"def __init__(self{params}):\n    " + "\n    ".join(lines or ["pass"]))
    code = code.replace(co_varnames=("self", *(f.name for f in fields)) + code.co_varnames[len(fields) + 1 :])
    namespace: dict[str, Any] = {"__name__": cls.__module__, "_ABSENT": _ABSENT}
    defaults: list[Any] = []
    for i, field in enumerate(fields):
        namespace[f"_s{i}"] = getattr(cls, field.name).__set__
        if field.default_factory is not dataclasses.MISSING:
            namespace[f"_f{i}"] = field.default_factory
            defaults.append(_ABSENT)
        elif field.default is not dataclasses.MISSING:
            defaults.append(field.default)
        elif defaults:
            raise TypeError(f"non-default argument {field.name!r} follows default argument")
    init = FunctionType(code, namespace, "__init__", tuple(defaults) or None)
    init.__annotations__ = {f.name: f.type for f in fields} | {"return": None}
    return init


def _compare(name: str, operator: str, names: tuple[str, ...]) -> FunctionType:
    """The stdlib's comparison: the fields as tuples, when both objects are of the same class."""
    fields = "".join(f"self.f{i}," for i in range(len(names)))
    others = "".join(f"other.f{i}," for i in range(len(names)))
    source = (f"def {name}(self, other):\n    if other.__class__ is self.__class__:\n"
              f"        return ({fields}){operator}({others})\n    return NotImplemented")
    return FunctionType(_renamed(_template((name, len(names)), source), names), globals(), name)


def _hash(names: tuple[str, ...]) -> FunctionType:
    fields = "".join(f"self.f{i}," for i in range(len(names)))
    code = _template(("__hash__", len(names)), f"def __hash__(self):\n    return hash(({fields}))")
    return FunctionType(_renamed(code, names), globals(), "__hash__")


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


def _refusals(cls: type, names: frozenset[str]) -> tuple[Callable[..., None], Callable[..., None]]:
    """The frozen ``__setattr__`` and ``__delattr__``, as the stdlib writes them."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def _getstate(self: Any) -> list[Any]:
    """Pickling a frozen slotted object, as the stdlib's ``_dataclass_getstate``."""
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for field, value in zip(dataclasses.fields(self), state):
        object.__setattr__(self, field.name, value)
