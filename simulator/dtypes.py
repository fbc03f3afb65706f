"""Bytes per element of the dtypes the cost and memory models move (msmodeling's sizes)."""

from __future__ import annotations

BF16 = 2
FP16 = 2
FP32 = 4
INT8 = 1
INT32 = 4
INT64 = 8
