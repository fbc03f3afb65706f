"""Searches from outside searchbench: installed plugins and ``package.module:callable`` names.

A plugin package declares an entry point in the ``searchbench.searches`` group whose object is a
``SearchSpec`` or a search callable ``(probe, params, context) -> Outcome``; it registers under
the entry point's name. A broken plugin is reported in one line naming it, and the others load.
Anywhere a search name is accepted, ``package.module:callable`` names a search directly; a
scenario file's names are only checked here, by their shape and against the installed entry
points and the project's allowed modules, without importing anything (``reference_allowed``).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass

from harness.errors import SearchbenchError
from harness.request.spelling import shown

ENTRY_POINT_GROUP = "searchbench.searches"


@dataclass(frozen=True)
class NoParams:
    """The parameters of a plain search callable: none."""


def spec_from(obj: object, name: str, origin: str, spec_type: type, error: type[Exception]):
    """A SearchSpec named ``name`` from a SearchSpec or a search callable."""
    if isinstance(obj, spec_type):
        return dataclasses.replace(obj, name=name)
    if callable(obj):
        doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
        return spec_type(name, obj, NoParams, doc[0] if doc else f"external search {origin}")
    raise error(f"{origin}: expected a SearchSpec or a search callable, got {type(obj).__name__}")


def reference_parts(reference: str) -> tuple[str, str]:
    """(module, attribute) of ``package.module:callable``, each a dotted ASCII Python name."""
    module, colon, attribute = reference.partition(":")
    if not colon or not all(_dotted(part) for part in (module, attribute)):
        raise SearchbenchError(
            f"{shown(reference)}: expected a search name or package.module:callable "
            "(dotted Python names)"
        )
    return module, attribute


def _dotted(name: str) -> bool:
    return name.isascii() and all(part.isidentifier() for part in name.split("."))


def entry_points() -> dict[str, str]:
    """Installed plugins' searches, {name: "module:attribute"}, read from package metadata
    (nothing is imported)."""
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {entry.name: entry.value.replace(" ", "") for entry in found}


def reference_allowed(reference: str, modules: tuple[str, ...]) -> bool:
    """Whether a scenario file may name ``reference``: an installed plugin's entry point, or a
    callable of one of ``modules`` (or a module below one)."""
    module, _ = reference_parts(reference)
    if reference.replace(" ", "") in entry_points().values():
        return True
    return any(module == allowed or module.startswith(f"{allowed}.") for allowed in modules)


def resolve_reference(reference: str) -> object:
    """The object ``package.module:attribute`` names; any failure is one SearchbenchError."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise SearchbenchError(f"{reference!r}: expected package.module:callable")
    try:
        obj: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            obj = getattr(obj, part)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # user code failing at import, even by exiting, is a line
        raise SearchbenchError(
            f"search {reference!r} cannot be loaded: {type(error).__name__}: {error}"
        ) from None
    return obj


def load_entry_points(register: Callable[[object], object], to_spec) -> dict[str, str]:
    """Register every installed plugin's search; return {plugin: one-line error} for the rest."""
    problems: dict[str, str] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            register(to_spec(entry.load(), entry.name, f"plugin {entry.name} ({entry.value})"))
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a broken plugin, even one that exits, stops no other
            problems[entry.name] = (
                f"search plugin {entry.name!r} ({entry.value}) failed to load: "
                f"{type(error).__name__}: {error}"
            )
    return problems
