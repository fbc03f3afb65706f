"""msmodeling's warning on a large search space (``--max-search-combinations``).

msmodeling's CLI (``cli/inference/throughput_optimizer.py``) multiplies its candidate lists, TP x
EP x MoE-DP x MTP x DCP, before it enumerates anything (sizes that do not divide the devices
still count), and prints one warning on stderr when the product exceeds the limit (0: never).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness import door

if TYPE_CHECKING:
    from harness.request.request import OptimizerRequest


def _resolve(sizes, num_devices: int, default: int) -> list[int]:
    """msmodeling's ``resolve_search_sizes``: None -> [default]; [] -> powers of two."""
    if sizes is None:
        return [default]
    if not sizes:
        return [1 << i for i in range(num_devices.bit_length())]
    return list(dict.fromkeys(sizes))


def search_combinations(request: OptimizerRequest) -> tuple[int, tuple[int, ...]]:
    """The product and its factors (TP, EP, MoE-DP, MTP, DCP), as msmodeling counts them."""
    n = request.num_devices
    tp_sizes = request.tp_sizes
    if tp_sizes is None and request.ep_sizes is None and request.moe_dp_sizes is None:
        tp_sizes = ()
    counts = (
        len(_resolve(tp_sizes, n, n)),
        len(_resolve(request.ep_sizes, n, n)),
        len(_resolve(request.moe_dp_sizes, n, 1)),
        len(dict.fromkeys(request.num_mtp_tokens)),
        len(door.dcp_sizes(request.dcp_sizes, n)),
    )
    total = 1
    for count in counts:
        total *= count
    return total, counts


def combinations_warning(request: OptimizerRequest) -> str | None:
    """msmodeling's warning, word for word, or None under the limit."""
    total, (tp, ep, moe_dp, mtp, dcp) = search_combinations(request)
    limit = request.max_search_combinations
    if not limit or total <= limit:
        return None
    return (
        "[WARNING] Large number of parallel search combinations "
        f"({total} = TP:{tp} x EP:{ep} x MOE-DP:{moe_dp} x MTP:{mtp} x DCP:{dcp}). "
        "Optimization may take a long time. Consider narrowing --tp-sizes, --ep-sizes, "
        "--moe-dp-sizes, --num-mtp-tokens, or --dcp-sizes; "
        "or increase --max-search-combinations."
    )
