"""A probe logger run by msmodeling's own Python, never imported by searchbench.

    MSMODELING_PYTHON harness/calibration/msmodeling_logger.py CHECKOUT LOG -- OPTIMIZER_ARGS

It wraps the throughput optimizers' ``get_inference_info`` (agg and disagg) to append one JSON
line per probe to LOG (layout, phase, batch, budget, latencies, memory, verdict, and how long
the probe took), and their ``run`` to append the row msmodeling reports for the strategy (its
final table keeps, per strategy, the row of highest token/s within the limits), then runs
msmodeling's ``cli.inference.throughput_optimizer`` as its CLI would. Forked workers inherit
the wrappers; PD-ratio mode's workers are spawned (msmodeling 7b4fe1f), so each worker's
initializer installs them again there (``_child_init``, imported by this file's module name).
In PD-ratio mode it also logs the final table's rows and the instance distribution msmodeling
prints for its best row. The checkout is only read.
"""

from __future__ import annotations

import fcntl
import functools
import json
import math
import os
import runpy
import sys
import time

LOG = ""
SUMMARY_COLUMNS = {
    "ttft": "ttft_ms",
    "tpot": "tpot_ms",
    "token/s": "tokens_per_s",
    "weight_GB": "weights_gib",
    "kv_cache_GB": "kv_cache_gib",
    "activation_GB": "activation_gib",
    "avail_GB": "available_gib",
}
MEMORY_INFO = {
    "model_weight_size_gb": "weights_gib",
    "kv_cache_size_gb": "kv_cache_gib",
    "model_activation_size_gb": "activation_gib",
    "device_memory_available_gb": "available_gib",
}


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "inf" if value > 0 else None
    return value


def _write(line: dict) -> None:
    text = json.dumps({k: _plain(v) for k, v in line.items()}) + "\n"
    with open(LOG, "a") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)
        stream.write(text)
        fcntl.flock(stream, fcntl.LOCK_UN)


def _layout(optimizer) -> dict:
    config = optimizer.model_runner.model.model_config.parallel_config
    return {
        "tp": config.tensor_parallel_size,
        "dp": config.data_parallel_size,
        "ep": config.expert_parallel_size,
        "moe_tp": config.moe_tensor_parallel_size,
        "moe_dp": config.moe_data_parallel_size,
        "dcp": getattr(config, "decode_context_parallel_size", 1),
    }


def _where(optimizer, data, disagg: bool) -> dict:
    phase = "agg" if not disagg else ("decode" if data.ttft_limits is None else "prefill")
    mtp = data.num_mtp_tokens or 0
    where = {"layout": _layout(optimizer), "num_mtp_tokens": mtp, "phase": phase}
    user_input = getattr(optimizer.model_runner, "user_input", None)
    device = getattr(user_input, "device", None)
    if device is not None:  # one profile per ParallelRunner (run_multi_device_loop)
        where["device"] = device
    return where


def _probe_line(optimizer, data, summary, seconds: float, disagg: bool) -> dict:
    line = {
        "kind": "probe",
        **_where(optimizer, data, disagg),
        "search": data.concurrency_search_strategy,
        "batch": data.batch_size,
        "max_batched_tokens": data.max_batched_tokens,
        "seconds": seconds,
        "pid": os.getpid(),
    }
    memory = summary.get_memory_info() or {}
    for key, name in MEMORY_INFO.items():
        if key in memory:
            line[name] = memory[key]
    frame = summary.get_summary_df()
    if frame is not None and len(frame):
        row = frame.iloc[0].to_dict()
        for column, name in SUMMARY_COLUMNS.items():
            latency = name in ("ttft_ms", "tpot_ms", "tokens_per_s")
            if column in row and (latency or name not in line):
                line[name] = row[column]
    line["early_stop"] = bool(summary.check_early_stop_flag())
    line["reason"] = summary.get_early_stop_reason()
    return line


def _reported_line(optimizer, data, summary, disagg: bool) -> dict:
    """The strategy's row as msmodeling's final table picks it (``OptimizerSummary.
    _prepare_agg_disagg_results``): within both limits, the highest token/s first."""
    line = {"kind": "reported", **_where(optimizer, data, disagg)}
    line["search"] = data.concurrency_search_strategy
    frame = summary.get_summary_df() if summary is not None else None
    line["batch"] = None
    if frame is not None and len(frame):
        import pandas as pd  # msmodeling's own dependency

        tpot = pd.to_numeric(frame["tpot"], errors="coerce").fillna(math.inf)
        ttft = pd.to_numeric(frame["ttft"], errors="coerce").fillna(math.inf)
        within = (tpot <= (data.tpot_limits or math.inf)) & (ttft <= (data.ttft_limits or math.inf))
        kept = frame[within]
        if len(kept):
            row = kept.sort_values(by="token/s", ascending=False).iloc[0].to_dict()
            line["batch"] = int(row["batch_size"])
            line["max_batched_tokens"] = row.get("max_batched_tokens")
            for column, name in SUMMARY_COLUMNS.items():
                if column in row and name in ("ttft_ms", "tpot_ms", "tokens_per_s"):
                    line[name] = row[column]
    return line


def _wrap(cls, disagg: bool) -> None:
    if getattr(cls, "_searchbench_wrapped", False):
        return
    cls._searchbench_wrapped = True
    original = cls.get_inference_info
    original_run = cls.run

    def get_inference_info(self, optimizer_data):
        start = time.monotonic()
        summary = original(self, optimizer_data)
        _write(_probe_line(self, optimizer_data, summary, time.monotonic() - start, disagg))
        return summary

    def run(self, optimizer_data, batch_range):
        summary = original_run(self, optimizer_data, batch_range)
        _write(_reported_line(self, optimizer_data, summary, disagg))
        return summary

    cls.get_inference_info = get_inference_info
    cls.run = run


PD_COLUMNS = (
    "pd_ratio", "p_qps", "d_qps", "balanced_qps", "ttft_p", "tpot_d", "parallel_p",
    "parallel_d", "num_devices_p", "num_devices_d", "batch_size_p", "batch_size_d",
    "concurrency_p", "concurrency_d",
)  # fmt: skip


def _install(log: str) -> None:
    """The probe wrappers (agg and disagg) and, for PD-ratio mode, the table wrappers."""
    global LOG
    LOG = log
    from serving_cast.service.agg_throughput_optimizer import AggThroughputOptimizer
    from serving_cast.service.disagg_throughput_optimizer import DisaggThroughputOptimizer

    _wrap(AggThroughputOptimizer, disagg=False)
    _wrap(DisaggThroughputOptimizer, disagg=True)


def _child_init(log: str, original) -> None:
    """A spawned worker's initializer: this module's wrappers, then msmodeling's own."""
    _install(log)
    original()


def _wrap_pd_ratio(me) -> None:
    """Spawned PD-ratio workers get the wrappers through their initializer; the final table
    (``_prepare_pd_ratio_results``) and the instance split of its best row are logged."""
    from serving_cast.parallel_runner import ParallelRunner
    from serving_cast.service.optimizer_summary import OptimizerSummary

    init = ParallelRunner.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._worker_initializer = functools.partial(me._child_init, LOG, self._worker_initializer)

    ParallelRunner.__init__ = __init__
    prepare = OptimizerSummary._prepare_pd_ratio_results
    split = OptimizerSummary._calculate_instance_distribution

    def _prepare_pd_ratio_results(self):
        frame = prepare(self)
        rows = [{c: _plain(r[c]) for c in PD_COLUMNS if c in r} for r in frame.to_dict("records")]
        search = self.data_config.concurrency_search_strategy
        _write({"kind": "pd_table", "search": search, "rows": rows})
        return frame

    def _calculate_instance_distribution(self, pd_ratio, total, p_devices, d_devices):
        p_inst, d_inst = split(self, pd_ratio, total, p_devices, d_devices)
        search = self.data_config.concurrency_search_strategy
        line = {"kind": "pd_instances", "search": search, "pd_ratio": pd_ratio}
        _write({**line, "p_instances": p_inst, "d_instances": d_inst})
        return p_inst, d_inst

    OptimizerSummary._prepare_pd_ratio_results = _prepare_pd_ratio_results
    OptimizerSummary._calculate_instance_distribution = _calculate_instance_distribution


def main() -> int:
    split = sys.argv.index("--")
    checkout, log = sys.argv[1:split]
    arguments = sys.argv[split + 1 :]
    sys.path.insert(0, checkout)
    os.chdir(checkout)
    import msmodeling_logger as me  # this file by name, for spawned workers to import

    me._install(log)
    _install(log)
    _wrap_pd_ratio(me)
    start = time.monotonic()
    _write({"kind": "start", "argv": arguments})
    sys.argv = ["cli.inference.throughput_optimizer", *arguments]
    code = 0
    try:
        runpy.run_module("cli.inference.throughput_optimizer", run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    _write({"kind": "end", "code": code, "seconds": time.monotonic() - start})
    return code


if __name__ == "__main__":
    sys.exit(main())
