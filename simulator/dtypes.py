"""Bytes per element of the dtypes the cost and memory models move (msmodeling's sizes), and the
dtype activations and unquantized weights compute in."""

from __future__ import annotations

BF16 = 2
FP16 = 2
FP32 = 4
INT8 = 1
INT32 = 4
INT64 = 8

ACTIVATION_DTYPE = "fp16"
"""msmodeling builds every model in half precision (``tensor_cast/model_config.py``: the
``ModelConfig.dtype`` field defaults to ``torch.half``, and ``core/config_resolver.py`` never sets
it from the HF config's ``torch_dtype``), and its estimators charge an op's work at the device's
peak for the dtype of its tensors. So every unquantized matmul (attention, lm_head, routers, the
DISABLED and W8A16 linears) runs at the fp16 peak, whatever the checkpoint's dtype; it is 2 bytes
wide like bf16, so only rates change: on the A2/A3 profiles fp16 peaks above bf16."""
