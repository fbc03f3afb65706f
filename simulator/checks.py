"""Checks of single deployment fields, each refusal naming its field and the allowed values."""

from __future__ import annotations

from simulator.errors import SimulatorInputError
from simulator.models import ModelConfig

MAX_MTP_TOKENS = 9  # msmodeling's --num-mtp-tokens choices are 0..9


def check_serving(hit_rate, serving_cost_ms) -> None:
    """msmodeling's check_prefix_cache_hit_rate (cli/utils.py); its --serving-cost takes any
    float, where a negative or infinite latency is refused here."""
    if not _real(hit_rate) or not 0.0 <= hit_rate < 1.0:
        raise SimulatorInputError(
            "prefix_cache_hit_rate", f"must be a number in [0, 1), got {hit_rate!r}", ["[0, 1)"]
        )
    if not _real(serving_cost_ms) or not 0.0 <= serving_cost_ms < float("inf"):
        raise SimulatorInputError(
            "serving_cost_ms", f"must be a finite number of ms >= 0, got {serving_cost_ms!r}"
        )


def check_limits(tpot_limit_ms, ttft_limit_ms) -> None:
    for name, limit in (("tpot_limit_ms", tpot_limit_ms), ("ttft_limit_ms", ttft_limit_ms)):
        if limit is not None and not 0 < limit < float("inf"):
            raise SimulatorInputError(name, f"must be > 0 ms (finite), got {limit}")


def _real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_mtp(model: ModelConfig, tokens: int, rates) -> tuple[float, ...]:
    """msmodeling's rules: 0..9 tokens, at most one more than there are rates; the model
    must carry MTP layers (num_nextn_predict_layers)."""
    if isinstance(tokens, bool) or not isinstance(tokens, int) or not 0 <= tokens <= MAX_MTP_TOKENS:
        raise SimulatorInputError(
            "num_mtp_tokens",
            f"must be an integer in 0..{MAX_MTP_TOKENS}, got {tokens!r}",
            [f"0..{MAX_MTP_TOKENS}"],
        )
    try:
        rates = tuple(float(rate) for rate in rates)
    except (TypeError, ValueError):
        raise SimulatorInputError(
            "mtp_acceptance_rates", f"must be a list of numbers in [0, 1], got {rates!r}"
        ) from None
    if not rates or not all(0.0 <= rate <= 1.0 for rate in rates):
        raise SimulatorInputError(
            "mtp_acceptance_rates", f"must be a non-empty list of numbers in [0, 1], got {rates}"
        )
    if tokens > len(rates) + 1:
        raise SimulatorInputError(
            "num_mtp_tokens",
            f"{tokens} exceeds what {len(rates)} acceptance rates support",
            [f"0..{len(rates) + 1}"],
        )
    if tokens and not model.mtp_layers:
        raise SimulatorInputError(
            "num_mtp_tokens",
            f"{model.name} has no MTP layers (num_nextn_predict_layers is 0)",
            [0],
        )
    return rates


def positive_int(field: str, value: int, largest: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SimulatorInputError(field, f"must be a positive integer, got {value!r}")
    if value > largest:
        raise SimulatorInputError(
            field, f"{value:,} is past the largest, {largest:,}", [f"1..{largest:,}"]
        )
