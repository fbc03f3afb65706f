"""msmodeling's ``--max-search-combinations`` warning (``cli/inference/throughput_optimizer.py``):
the product of its TP, EP, MoE-DP, MTP and DCP candidate lists, above the limit (default 100,
0 never), printed once on stderr before the search."""

from __future__ import annotations

from harness.cli import main
from harness.request import OptimizerRequest
from harness.request.combinations import combinations_warning, search_combinations

DENSE = "Qwen/Qwen3-32B"


def request(**fields) -> OptimizerRequest:
    return OptimizerRequest(model=DENSE, input_length=100, output_length=10, **fields)


def test_the_product_counts_every_candidate_list_as_msmodeling_does() -> None:
    """No sizes: TP is the powers of two (4 on 8 devices), EP stays [N], MoE-DP [1]."""
    assert search_combinations(request(num_devices=8)) == (4, (4, 1, 1, 1, 1))
    found = search_combinations(
        request(num_devices=8, tp_sizes=(), ep_sizes=(), dcp_sizes=(), num_mtp_tokens=(0,))
    )
    assert found == (64, (4, 4, 1, 1, 4))


def test_the_warning_is_msmodelings_text_above_the_limit_only() -> None:
    big = request(num_devices=8, tp_sizes=(), ep_sizes=(), moe_dp_sizes=(), dcp_sizes=())
    assert combinations_warning(big) is not None
    assert combinations_warning(request(num_devices=8, max_search_combinations=256)) is None
    assert combinations_warning(request(num_devices=8, max_search_combinations=0)) is None
    text = combinations_warning(request(num_devices=8, max_search_combinations=3))
    assert text == (
        "[WARNING] Large number of parallel search combinations (4 = TP:4 x EP:1 x MOE-DP:1 x "
        "MTP:1 x DCP:1). Optimization may take a long time. Consider narrowing --tp-sizes, "
        "--ep-sizes, --moe-dp-sizes, --num-mtp-tokens, or --dcp-sizes; or increase "
        "--max-search-combinations."
    )


def test_optimize_prints_it_on_stderr(capsys) -> None:
    code = main(
        ["optimize", DENSE, "--num-devices", "4", "--tp-sizes", "4", "--dcp-sizes", "1", "2",
         "4", "--input-length", "512", "--output-length", "64", "--tpot-limit", "50",
         "--max-search-combinations", "2", "--search", "exponential"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0
    assert "(3 = TP:1 x EP:1 x MOE-DP:1 x MTP:1 x DCP:3)" in err
    assert "TP=4,DCP=4" in out
