"""msmodeling's own search code, run unmodified with every probe served by our simulator.

This is the only module that imports msmodeling, and only from a checkout the user names:
``--msmodeling PATH``, the ``SEARCHBENCH_MSMODELING`` variable, or an importable
``serving_cast``. It registers ``msmodeling:exponential`` and ``msmodeling:linear_exponential``:
msmodeling's ``BaseThroughputOptimizer.run`` (its loop, early stop, two-point estimate and
reported rows), with ``get_inference_info`` answered by the probe recorder, so every probe is
counted like any search's. The checkout is never written to (no bytecode is saved for it).

msmodeling's search loop needs neither torch nor its model code: at import time the modules it
names from ``tensor_cast`` (and ``serving_cast.utils``, ``prettytable``) get stand-ins whose
every attribute raises if the loop ever calls it.
"""

from __future__ import annotations

import importlib
import inspect
import math
import os
import sys
import types
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.errors import SearchbenchError
from harness.probe import Observation, ProbeRecorder, StopReason
from harness.searches.base import Outcome, SearchContext
from harness.searches.external import NoParams

MSMODELING_PREFIX = "msmodeling:"
ENVIRONMENT = "SEARCHBENCH_MSMODELING"
STRATEGIES = ("exponential", "linear_exponential")
STAND_INS = (
    "tensor_cast",
    "tensor_cast.core",
    "tensor_cast.core.input_generator",
    "tensor_cast.core.model_runner",
    "tensor_cast.model_config",
    "serving_cast.utils",
    "prettytable",
)
_configured: Path | None = None
_inserted: list[str] = []


class MsmodelingError(SearchbenchError):
    """msmodeling cannot be found, or its internals are not what the adapter expects."""


def configure(path: Path | str | None) -> None:
    """Use the msmodeling checkout at ``path`` (the CLI's and the plugin's ``--msmodeling``)."""
    global _configured
    _configured = None if path is None else Path(path)
    _api.cache_clear()


def checkout() -> Path | None:
    if _configured is not None:
        return _configured
    value = os.environ.get(ENVIRONMENT)
    return Path(value) if value else None


def msmodeling_search(name: str):
    """The SearchSpec of ``msmodeling:<strategy>``, loading msmodeling on first use."""
    from harness.searches import SearchSpec

    strategy = name[len(MSMODELING_PREFIX) :]
    if strategy not in STRATEGIES:
        raise MsmodelingError(f"{name}: msmodeling's searches are {', '.join(STRATEGIES)}")
    api = _api()

    def run(probe: ProbeRecorder, params: NoParams, context: SearchContext) -> Outcome:
        return api.search(strategy, probe, context)

    return SearchSpec(name, run, NoParams, f"msmodeling's own {strategy}, from {api.origin}", True)


class _StandIn(types.ModuleType):
    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)

        def unavailable(*args, **kwargs):
            raise MsmodelingError(
                f"msmodeling's search loop called {self.__name__}.{attribute}, which the adapter "
                "stands in for; the loop it expects does not reach model code"
            )

        return type(attribute, (), {"__init__": unavailable, "__call__": unavailable})


@contextmanager
def _stand_ins():
    saved = {name: sys.modules.get(name) for name in STAND_INS}
    for name in STAND_INS:
        if name == "prettytable" and saved[name] is not None:
            continue
        sys.modules[name] = _StandIn(name)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


@cache
def _api() -> _Api:
    root = checkout()
    for module in [m for m in sys.modules if m == "serving_cast" or m.startswith("serving_cast.")]:
        del sys.modules[module]
    while _inserted:
        sys.path.remove(_inserted.pop())
    if root is not None:
        if not (root / "serving_cast" / "service" / "base_throughput_optimizer.py").is_file():
            raise MsmodelingError(
                f"{root}: not an msmodeling checkout (expected "
                "serving_cast/service/base_throughput_optimizer.py; set --msmodeling or "
                f"{ENVIRONMENT})"
            )
        sys.path.insert(0, str(root))
        _inserted.append(str(root))
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        with _stand_ins():
            base = _import("serving_cast.service.base_throughput_optimizer")
            summary = _import("serving_cast.service.optimizer_summary")
            utils = _import("serving_cast.service.utils")
    finally:
        sys.dont_write_bytecode = dont_write
    return _Api.build(base, summary, utils, str(root or "the installed serving_cast"))


def _import(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        where = checkout()
        hint = f" under {where}" if where else f"; set --msmodeling PATH or {ENVIRONMENT}"
        raise MsmodelingError(f"msmodeling not found: no module {error.name!r}{hint}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a checkout that exits at import is a load failure
        raise MsmodelingError(
            f"msmodeling's {name} failed to import: {type(error).__name__}: {error}"
        ) from None


def _expect(owner: object, attribute: str, parameters: tuple[str, ...] = ()) -> object:
    """``owner.attribute`` with these parameters, or one line naming what moved."""
    found = getattr(owner, attribute, None)
    where = f"{getattr(owner, '__module__', '')}.{getattr(owner, '__name__', owner)}"
    if found is None:
        raise MsmodelingError(f"msmodeling changed: expected {where}.{attribute}")
    if parameters:
        names = list(inspect.signature(found).parameters)
        missing = [p for p in parameters if p not in names]
        if missing:
            raise MsmodelingError(
                f"msmodeling changed: expected {where}.{attribute}({', '.join(parameters)}), "
                f"found ({', '.join(names)})"
            )
    return found


@dataclass(frozen=True)
class _Api:
    optimizer_type: type
    summary_type: type
    data_type: type
    columns: tuple[str, ...]
    origin: str

    @classmethod
    def build(cls, base, summary, utils, origin: str) -> _Api:
        optimizer = _expect(base, "BaseThroughputOptimizer")
        _expect(optimizer, "run", ("optimizer_data", "batch_range"))
        _expect(optimizer, "get_inference_info", ("optimizer_data",))
        _expect(optimizer, "_maybe_set_search_info", ("memory_left_gb", "ttft", "tpot", "summary"))
        summary_type = _expect(summary, "OptimizerSummary")
        _expect(summary_type, "set_summary_df", ("summary_df",))
        _expect(summary_type, "set_early_stop_flag", ("memory_left", "tpot", "ttft", "reason"))
        data_type = _expect(utils, "OptimizerData")
        fields = inspect.signature(data_type).parameters
        for needed in ("batch_size", "tpot_limits", "ttft_limits", "max_batched_tokens"):
            if needed not in fields:
                raise MsmodelingError(f"msmodeling changed: expected OptimizerData({needed}=...)")
        columns = tuple(_expect(utils, "AGG_COLUMNS"))
        return cls(_adapter_type(optimizer), summary_type, data_type, columns, origin)

    def search(self, strategy: str, probe: ProbeRecorder, context: SearchContext) -> Outcome:
        data = self.data_type(
            tpot_limits=context.tpot_limit_ms,
            ttft_limits=context.ttft_limit_ms,
            max_batched_tokens=1,
            concurrency_search_strategy=strategy,
        )
        optimizer = self.optimizer_type(self, probe)
        batch_range = list(context.batch_range) if context.batch_range else None
        summary = optimizer.run(data, batch_range)
        frame = None if summary is None else summary.get_summary_df()
        if frame is None or len(frame) == 0:
            reason = optimizer._last_run_early_stop_reason
            return Outcome(None, early_stop=StopReason(reason) if reason else None)
        return Outcome(int(frame["batch_size"].max()))

    def summary_for(self, optimizer, data, seen: Observation):
        """msmodeling's summary of one probe: its row, and its own early-stop verdict."""
        memory_left = seen.available_gib
        tpot, ttft = _finite(seen.tpot_ms), _finite(seen.ttft_ms)
        row = dict.fromkeys(self.columns)
        row.update({"batch_size": seen.batch_size, "ttft": ttft, "tpot": tpot})
        row["token/s"] = seen.tokens_per_s
        summary = self.summary_type(data)
        import pandas as pd  # msmodeling's summaries are frames; only its searches need it

        summary.set_summary_df(pd.DataFrame([row], columns=list(self.columns)))
        reason = seen.reason.value if seen.reason and seen.reason.is_memory else None
        summary.set_early_stop_flag(memory_left, tpot, ttft, reason=reason)
        optimizer._maybe_set_search_info(data, memory_left, seen.batch_size, ttft, tpot, summary)
        return summary


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else math.inf


def _adapter_type(base: type) -> type:
    """msmodeling's optimizer with get_inference_info served by the probe recorder."""

    class _Runner:
        """What the loop reads of a model runner: memory that per-request memory is taken from."""

        def __init__(self, after_weights: float) -> None:
            self.total_device_memory_gb = after_weights
            self.model_weight_size_gb = 0.0
            self.user_input = types.SimpleNamespace(reserved_memory_gb=0.0)

    class SearchbenchOptimizer(base):
        name = "searchbench"

        def __init__(self, api: _Api, probe: ProbeRecorder) -> None:
            super().__init__()
            self._searchbench = api
            self._probe = probe

        def initialize(self, model_runner) -> None:
            self.model_runner = model_runner

        def get_inference_info(self, optimizer_data):
            seen = self._probe(optimizer_data.batch_size)
            self.model_runner = _Runner(seen.memory_after_weights_gib)
            return self._searchbench.summary_for(self, optimizer_data, seen)

    return SearchbenchOptimizer
