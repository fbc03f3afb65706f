"""Linear-weight and KV-cache quantization: bytes per element and the dtype the MMA runs in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulator.dtypes import ACTIVATION_DTYPE
from simulator.errors import SimulatorInputError


@dataclass(frozen=True)
class LinearScheme:
    weight_bytes: float
    mma_dtype: str
    activation_bytes: float
    quantizes_activations: bool
    dequant_gp_per_weight: float = 0.0
    block_scales: bool = False
    """MXFP4: one 1-byte E8M0 scale per ``mxfp4_group_size`` elements along K, for the weights
    (per output channel) and the quantized activations (per row), instead of per-token fp32."""


class LinearQuant(str, Enum):
    DISABLED = "DISABLED"
    W8A16_STATIC = "W8A16_STATIC"
    W8A16_DYNAMIC = "W8A16_DYNAMIC"
    W8A8_STATIC = "W8A8_STATIC"
    W8A8_DYNAMIC = "W8A8_DYNAMIC"
    W4A8_STATIC = "W4A8_STATIC"
    W4A8_DYNAMIC = "W4A8_DYNAMIC"
    FP8 = "FP8"
    MXFP4 = "MXFP4"

    @property
    def scheme(self) -> LinearScheme:
        return _LINEAR_SCHEMES[self]

    @property
    def is_quantized(self) -> bool:
        return self is not LinearQuant.DISABLED


_LINEAR_SCHEMES = {
    # Unquantized and weight-only linears multiply in the activations' dtype (msmodeling charges a
    # linear's MMA in its input's dtype, ``_static_quant_linear_properties_helper``).
    LinearQuant.DISABLED: LinearScheme(2, ACTIVATION_DTYPE, 2, False),
    LinearQuant.W8A16_STATIC: LinearScheme(1, ACTIVATION_DTYPE, 2, False),
    LinearQuant.W8A16_DYNAMIC: LinearScheme(1, ACTIVATION_DTYPE, 2, False),
    LinearQuant.W8A8_STATIC: LinearScheme(1, "int8", 1, True),
    LinearQuant.W8A8_DYNAMIC: LinearScheme(1, "int8", 1, True),
    LinearQuant.W4A8_STATIC: LinearScheme(0.5, "int8", 1, True, dequant_gp_per_weight=1),
    LinearQuant.W4A8_DYNAMIC: LinearScheme(0.5, "int8", 1, True, dequant_gp_per_weight=2),
    LinearQuant.FP8: LinearScheme(1, "fp8", 1, True),
    # msmodeling's mxfp4_linear (tensor_cast/performance_model/__init__.py,
    # _mxfp4_linear_properties_helper): 4-bit payloads of weights and activations (torch.int4,
    # half a byte) and their E8M0 block scales read from memory, the MMA at the fp4 peak.
    LinearQuant.MXFP4: LinearScheme(0.5, "fp4", 0.5, True, block_scales=True),
}


class KVQuant(str, Enum):
    DISABLED = "DISABLED"
    INT8 = "INT8"
    FP8 = "FP8"

    @property
    def bytes_per_element(self) -> int:
        return 2 if self is KVQuant.DISABLED else 1

    @property
    def is_quantized(self) -> bool:
        return self is not KVQuant.DISABLED

    @property
    def mma_dtype(self) -> str:
        """The dtype attention's matmuls run in: the quantized query's and cache's."""
        return {KVQuant.INT8: "int8", KVQuant.FP8: "fp8"}.get(self, ACTIVATION_DTYPE)

    @property
    def qdq_ops_per_element(self) -> int:
        """General-purpose ops to dequantize or requantize one element: scale and offset,
        or the scale alone for fp8 (msmodeling's ``attention_quant`` estimate)."""
        return 1 if self is KVQuant.FP8 else 2


def parse_linear_quant(
    value: str | LinearQuant, field: str = "quantize_linear_action"
) -> LinearQuant:
    return _parse(LinearQuant, value, field)


def parse_kv_quant(value: str | KVQuant) -> KVQuant:
    return _parse(KVQuant, value, "quantize_attention_action")


def _parse(enum: type[Enum], value, field: str):
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).upper())
    except ValueError:
        raise SimulatorInputError(
            field, f"unknown quantization {value!r}", [m.value for m in enum]
        ) from None
