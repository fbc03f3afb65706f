"""Decode context parallel (DCP): msmodeling's ``--dcp-sizes`` (commit 909c307,
``docs/RFC/rfc_context_parallel_dcp_en.md``).

DCP reuses the TP ranks: a DCP group is ``dcp`` consecutive ranks of a TP group, so it adds no
devices and needs ``tp % dcp == 0``. It shards each sequence's KV cache over the group and runs
only in decode forwards (every request a decode step). What it changes, as msmodeling costs it:

- KV memory (``tensor_cast/core/input_generator.py``, ``dcp_kv_token_capacity_factor`` and
  ``dcp_sharded_num_blocks``): a forward's cache blocks are divided by a capacity factor,
  rounded up (at least one block): ``dcp`` for MLA's latent cache; for GQA only the KV heads
  that TP replicated can be shed, so ``min(dcp, max(1, tp // kv_heads))``.
- Attention (``tensor_cast/layers/attention.py``, ``mla.py``): two collectives per layer over
  the DCP group, an all-gather of the query and an fp32 all-to-all of output and LSE, with the
  small ops msmodeling traces to keep them in its graph (``forward/dcp.py``). MLA's attention
  runs the gathered heads over ``ceil(seq / dcp)`` keys; GQA's local attention is unchanged.
"""

from __future__ import annotations

from simulator.errors import SimulatorInputError
from simulator.models import ModelConfig


def refusal(model: ModelConfig, tp: int, dcp: int) -> str | None:
    """Why msmodeling cannot run this TP x DCP pair, or None. ``tp % dcp`` comes from
    ``tensor_cast/model_config.py`` (``ParallelConfig``); the GQA rule, each DCP rank holding at
    least one KV head (``num_key_value_heads >= tp / dcp``), from
    ``tensor_cast/transformers/transformations.py`` (``_validate_gqa_dcp_kv_heads``), which
    fails the model build, so msmodeling's optimizer drops that strategy."""
    if tp % dcp:
        return f"DCP={dcp} does not divide TP={tp}"
    if dcp > 1 and model.mla is None and model.num_kv_heads < tp // dcp:
        return (
            f"{model.name} has {model.num_kv_heads} KV heads, fewer than TP / DCP = "
            f"{tp} / {dcp}: a DCP rank would hold no KV head"
        )
    return None


def check_dcp(model: ModelConfig, tp: int, dcp: object, decode_only_ok: bool) -> int:
    """The validated DCP size of a deployment. ``decode_only_ok`` is False for a disaggregated
    prefill phase, which msmodeling always runs at dcp 1 (``serving_cast/parallel_runner.py``,
    ``_get_user_config(is_prefill=True)``)."""
    if isinstance(dcp, bool) or not isinstance(dcp, int) or dcp < 1:
        raise SimulatorInputError("dcp", f"must be a positive integer, got {dcp!r}")
    if dcp > 1 and not decode_only_ok:
        raise SimulatorInputError(
            "dcp", f"DCP={dcp} in a prefill phase: DCP is decode only (prefill runs at 1)", [1]
        )
    why = refusal(model, tp, dcp)
    if why is not None:
        allowed = [d for d in range(1, tp + 1) if refusal(model, tp, d) is None]
        raise SimulatorInputError("dcp", why, allowed)
    return dcp


def kv_capacity_factor(model: ModelConfig, tp: int, dcp: int) -> int:
    """How many times more tokens a rank's KV blocks hold under DCP (1 without it)."""
    if dcp <= 1:
        return 1
    if model.mla is not None:
        return dcp
    return min(dcp, max(1, tp // model.num_kv_heads))


def dcp_sizes(sizes, num_devices: int) -> list[int]:
    """msmodeling's candidates (``resolve_search_sizes``): None -> [1]; [] -> powers of two up
    to the devices; a list, de-duplicated in order. Sizes above the devices are refused, as
    ``cli/inference/throughput_optimizer.py`` refuses them."""
    if sizes is None:
        return [1]
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= num_devices:
            raise SimulatorInputError(
                "dcp_sizes",
                f"{size!r} is not a size between 1 and num_devices={num_devices}",
                [f"1..{num_devices}"],
            )
    if not sizes:
        return [1 << i for i in range(num_devices.bit_length())]
    return list(dict.fromkeys(sizes))


def check_dcp_modes(dcp: int, max_batched_tokens, prefill_length: int, mtp: int) -> None:
    """What DCP is not modelled with yet (msmodeling runs both): MTP and chunked prefill."""
    if dcp > 1 and mtp:
        raise SimulatorInputError(
            "dcp", f"DCP={dcp} with MTP (num_mtp_tokens {mtp}) is not modelled yet", [1]
        )
    if dcp > 1 and max_batched_tokens is not None and max_batched_tokens < prefill_length:
        raise SimulatorInputError(
            "dcp",
            f"DCP={dcp} with chunked prefill (max_batched_tokens below input_length) is not "
            "modelled: its mixed steps switch DCP off per step",
            [1],
        )
