"""Backend registry: `SEARCH_BACKEND` names a registered backend ("database", "elasticsearch") or
gives the dotted path of a BaseSearchBackend subclass (tests register a failing one this way)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.module_loading import import_string

from search import conf
from search.backends.base import BaseSearchBackend

_instances: dict[str, BaseSearchBackend] = {}


def backend_class(name: str) -> Callable[..., BaseSearchBackend]:
    """The class (or factory, like the database backend's, which picks its engine module) that
    makes the backend `name`."""
    return import_string(conf.BACKENDS.get(name, name))


def get_backend(name: str | None = None) -> BaseSearchBackend:
    """The configured backend. Instances hold configuration only (no index state), so one per
    process is safe to reuse."""
    name = name or conf.backend_name()
    backend = _instances.get(name)
    if backend is None:
        backend = _instances[name] = backend_class(name)()
    return backend
