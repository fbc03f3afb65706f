"""What a request means beyond its knobs: its checks, its phases and strategies, the
deployment of each, and the search the others are measured against."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from harness import door
from harness.errors import DeploymentError, HarnessInputError
from harness.request import layouts
from harness.request.pd_ratio import pd_ratio_checks
from harness.request.strategy import Strategy

if TYPE_CHECKING:
    from harness.request.knobs import Declared

BASELINE_SEARCH = "exponential"
"""msmodeling's default search: the reference every gate, table, budget and fuzz measures
against, wherever the user lists it."""


@dataclass(frozen=True)
class SearchRun:
    """A registered search and its parameters, as the user named them."""

    name: str
    params: dict[str, object] = field(default_factory=dict, hash=False)


class RequestRules:
    """The methods of ``OptimizerRequest`` (its fields are the knob table in ``request.py``)."""

    def __post_init__(self) -> None:
        if isinstance(self.device, str):  # one profile, as before several were allowed
            object.__setattr__(self, "device", (self.device,))
        self._check_devices()
        if self.batch_range is not None:
            low, high = self.batch_range
            if low < 1 or low > high:
                raise HarnessInputError(
                    f"batch_range: need 1 <= min <= max, got min={low} max={high}"
                )
        if self.disagg and self.tpot_limit_ms is None and self.ttft_limit_ms is None:
            raise HarnessInputError(
                "disagg: needs a TTFT limit (prefill phase) and/or a TPOT limit (decode phase)"
            )
        self._check_lengths()
        pd_ratio_checks(self)
        speculative_checks(self)
        if not self.searches:
            raise HarnessInputError("search: name at least one search")
        for name in ("tp_sizes", "ep_sizes", "moe_dp_sizes", "dcp_sizes"):
            sizes = getattr(self, name)
            if sizes is not None and len(sizes) > self.num_devices:
                raise DeploymentError(
                    name,
                    f"{len(sizes):,} sizes for num_devices={self.num_devices}; sizes are "
                    f"distinct and from 1 to num_devices, so at most {self.num_devices}",
                )

    def _check_lengths(self) -> None:
        # cli/inference/throughput_optimizer.py: "--input-length FILE currently supports
        # aggregation runs or disaggregation prefill-only runs with --ttft-limit and without
        # --tpot-limit."
        if not isinstance(self.input_length, door.Lengths):
            return
        if self.pd_ratio:
            raise DeploymentError(
                "input_length",
                "a length distribution is not served in PD-ratio mode (pd_ratio), as "
                "msmodeling's: agg, or disagg prefill only",
            )
        prefill_only = self.ttft_limit_ms is not None and self.tpot_limit_ms is None
        if self.disagg and not prefill_only:
            raise DeploymentError(
                "input_length",
                "a length distribution is served in agg, or in disagg prefill only "
                "(a TTFT limit and no TPOT limit), as msmodeling's",
            )

    @property
    def prefill_length(self) -> int:
        """The prompt length msmodeling's automatic budgets scale: the input, or a
        distribution's mean prefill length (get_auto_max_batched_tokens_candidates)."""
        if isinstance(self.input_length, door.Lengths):
            return self.input_length.effective_length(self.prefix_cache_hit_rate)
        return self.input_length

    def _check_devices(self) -> None:
        """msmodeling's check_device_targets (cli/utils.py): at least one name, each known; a
        name listed twice is refused here, as every list knob refuses one."""
        if not self.device:
            raise DeploymentError("device", "name at least one device profile")
        for index, name in enumerate(self.device):
            if name in self.device[:index]:
                raise DeploymentError("device", f"{name} is listed twice")
            if name not in door.DEVICE_NAMES:
                raise DeploymentError(
                    "device", f"{name!r} is not a device profile ({', '.join(door.DEVICE_NAMES)})"
                )

    @property
    def compares_devices(self) -> bool:
        """Several device profiles: every strategy is searched on each, keyed by its device."""
        return len(self.device) > 1

    @property
    def reference(self) -> SearchRun:
        """The search the others are measured against: the baseline search if it is listed,
        else the first."""
        return next((s for s in self.searches if s.name == BASELINE_SEARCH), self.searches[0])

    @property
    def searches_in_run_order(self) -> tuple[SearchRun, ...]:
        """The reference first (the others' probe budgets follow from it), then the rest."""
        reference = self.reference
        return (reference, *(s for s in self.searches if s is not reference))

    def phases(self) -> list[door.Phase]:
        """agg; or in disagg mode prefill (if there is a TTFT limit) and decode (a TPOT limit);
        in PD-ratio mode both, each on its own devices per instance."""
        if self.pd_ratio:
            return [door.Phase.PREFILL, door.Phase.DECODE]
        if not self.disagg:
            return [door.Phase.AGG]
        out = []
        if self.ttft_limit_ms is not None:
            out.append(door.Phase.PREFILL)
        if self.tpot_limit_ms is not None:
            out.append(door.Phase.DECODE)
        return out

    @staticmethod
    def knobs() -> tuple[Declared, ...]:
        """The deployment knobs, in declaration order."""
        from harness.request.request import request_knobs

        return request_knobs()

    @cached_property
    def strategy_list(self) -> tuple[Strategy, ...]:
        return tuple(layouts.strategies(self))

    def strategies(self) -> list[Strategy]:
        """Every parallel strategy and phase the optimizer searches, in msmodeling's order."""
        return list(self.strategy_list)

    def deployment(self, strategy: Strategy, max_batched_tokens: int | None) -> door.Deployment:
        """The simulator's deployment for one strategy and token budget."""
        return layouts.deployment(self, strategy, max_batched_tokens)


SPECULATIVE_DEPENDENTS = (
    "num_speculative_tokens",
    "acceptance_length",
    "num_draft_layers",
    "draft_model_config_path",
)
DSPARK_DEPENDENTS = ("dspark_markov_rank", "dspark_markov_head")


def speculative_checks(request) -> None:
    """msmodeling's gates (``cli/utils.py``, ``validate_draft_spec_cli_args``): a draft option
    given without ``--speculative-method`` (the Markov ones without ``dspark``) is refused, and
    a method excludes MTP, every searched MTP count above 0 included."""
    method = request.speculative_method
    given = [name for name in SPECULATIVE_DEPENDENTS if getattr(request, name) is not None]
    if method is None and given:
        raise DeploymentError(given[0], "needs speculative_method (dflash or dspark)")
    markov = [name for name in DSPARK_DEPENDENTS if getattr(request, name) is not None]
    if method != "dspark" and markov:
        raise DeploymentError(markov[0], "needs speculative_method dspark")
    if method is not None and any(request.num_mtp_tokens):
        raise DeploymentError(
            "num_mtp_tokens", f"{method} and MTP are mutually exclusive (MTP sizes must be 0)"
        )
