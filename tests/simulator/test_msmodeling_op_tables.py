"""Op tables msmodeling 84fec85 printed for single forwards (``table_averages``: total ms and
calls per op), against ours op for op. Each names the mechanism it pins down."""

from __future__ import annotations

import pytest

from simulator import Deployment
from tests.simulator.optable import op_table

LLAMA_A350_INT8 = {
    "model": "meta-llama/Llama-3.1-8B",
    "device": "ATLAS_350_425T_112G",
    "input_length": 2048,
    "output_length": 512,
    "quantize_attention_action": "INT8",
}
# Llama-3.1-8B on one ATLAS_350_425T_112G, INT8 KV cache, one 2048-token prefill, compiled:
# no norm+quantize fusion (rms_norm_eps 1e-5), four dynamic quantizes per layer, three quantize
# ops per layer (K, V, query) and attention_quant at the int8 peak.
LLAMA_COMPILED = {
    "static_quant_linear": (42.655, 128),
    "swiglu": (4.642, 32),
    "dynamic_quantize_symmetric": (4.507, 128),
    "attention_quant": (4.217, 32),
    "add_rms_norm2": (1.808, 32),
    "add": (1.372, 32),
    "apply_rope": (1.181, 32),
    "quantize": (1.173, 96),
    "rms_norm": (0.965398, 33),
    "mm": (0.858413, 1),
    "reshape_and_cache": (0.282408, 32),
    "index": (0.075004, 3),
    "embedding": (0.029261, 1),
}
# The same forward eager: the lm_head reads the prompt's last row through an index_select.
LLAMA_EAGER = {
    "static_quant_linear": (43.135, 224),
    "mul": (12.706, 290),
    "dynamic_quantize_symmetric": (6.661, 224),
    "_to_copy": (5.573, 130),
    "add": (4.638, 193),
    "attention_quant": (4.217, 32),
    "pow": (3.672, 65),
    "silu": (3.116, 32),
    "mean": (1.902, 65),
    "cat": (1.218, 64),
    "quantize": (1.173, 96),
    "mm": (0.858413, 1),
    "neg": (0.672957, 64),
    "reshape_and_cache": (0.282408, 32),
    "rsqrt": (0.130865, 65),
    "embedding": (0.029261, 1),
    "index_select": (0.007743, 3),
}
# Qwen3-8B on one TEST_DEVICE, one 1024-token prefill, eager, KV cache unquantized: the cache
# write reads each token's slot id with K and V.
QWEN3_8B_EAGER = {
    "static_quant_linear": (29.971, 252),
    "mul": (10.614, 470),
    "_to_copy": (6.207, 290),
    "dynamic_quantize_symmetric": (4.366, 252),
    "pow": (4.041, 145),
    "add": (3.379, 289),
    "attention": (3.304, 36),
    "mean": (2.171, 145),
    "silu": (1.789, 36),
    "mm": (1.184, 1),
    "cat": (0.859256, 72),
    "neg": (0.501628, 72),
    "reshape_and_cache": (0.358382, 36),
    "rsqrt": (0.301742, 145),
    "embedding": (0.017902, 1),
    "index_select": (0.007024, 3),
}

CASES = {
    "llama-a350-int8kv-compiled": (
        Deployment.create(**LLAMA_A350_INT8, compile=True),
        (1, 2048, 2048),
        LLAMA_COMPILED,
    ),
    "llama-a350-int8kv-eager": (Deployment.create(**LLAMA_A350_INT8), (1, 2048, 2048), LLAMA_EAGER),
    "qwen3-8b-test-device-eager": (
        Deployment.create("Qwen/Qwen3-8B", input_length=1024, output_length=256),
        (1, 1024, 1024),
        QWEN3_8B_EAGER,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_op_matches_msmodelings_table(case: str) -> None:
    dep, shape, theirs = CASES[case]
    ours = op_table(dep, *shape)
    assert {name: calls for name, (_, calls) in ours.items()} == {
        name: calls for name, (_, calls) in theirs.items()
    }
    for name, (ms, _) in theirs.items():
        assert ours[name][0] == pytest.approx(ms, rel=5e-4, abs=1e-6), name


def test_unquantized_attention_runs_at_the_fp16_peak_on_an_a2() -> None:
    """Qwen3-30B-A3B on 8 ATLAS_800_A2_313T_64G, TP=4 x EP=8, one 2000-token prefill: msmodeling
    costs each layer's attention 89.937 us, the fp16 rate (313 T); bf16 (294.9 T) gives 94.5."""
    dep = Deployment.create(
        "Qwen/Qwen3-30B-A3B",
        device="ATLAS_800_A2_313T_64G",
        num_devices=8,
        tp=4,
        ep=8,
        input_length=2000,
        output_length=1000,
        phase="prefill",
        ttft_limit_ms=2000,
    )
    ms, calls = op_table(dep, 1, 2000, 2000)["attention"]
    assert calls == 48
    assert ms / calls == pytest.approx(0.089937, rel=1e-4)
