"""The deployment space the fuzzer draws from: every knob of the request's table, in its order.

A knob that declares ``draws`` is drawn from them (a switch from true and false); the knobs whose
values depend on others drawn before them (the model's heads bound TP, its experts EP) have a
drawer here. A drawn deployment is one request with one parallel layout, so every example is
one strategy (or two phases of one, in disagg mode) on each of its one or two devices. In agg
the token budget stays automatic (4x the input), so no agg draw needs chunked prefill: each
chunked batch size is a step-by-step replay, and an oracle over thousands of them per draw does
not fit fuzzing's time budget (agg chunked prefill is gated by its scenarios and calibration
tests instead). A disagg draw now and then takes a budget below the input: disagg prefill's
chunked waves are closed-form, as cheap as unchunked ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import strategies as st

from harness import door
from harness.request import OptimizerRequest, SearchRun, request_knobs
from harness.request.kinds import Switch

DEVICE_COUNTS = (1, 2, 4, 8, 16)
SEVERAL_DEVICES_ONE_IN = 5
"""One draw in about five compares two device profiles (each layout searched on both)."""
MTP_TOKENS = (0, 0, 1, 2)
"""Drawn only for models with MTP layers (DeepSeek); the other knobs refuse MTP."""
DEFAULT_TPOT_LIMIT_MS = 50.0
"""A draw with neither limit gets this TPOT limit, so that something bounds the search."""


def _powers_up_to(n: int) -> list[int]:
    return [1 << i for i in range(n.bit_length())]


def _model(draw, drawn):
    return draw(st.sampled_from(sorted(door.BUNDLED_MODEL_IDS)))


def _device(draw, drawn):
    """One profile, or now and then two compared in one run (``--device A B``)."""
    names = sorted(door.DEVICE_NAMES)
    first = draw(st.sampled_from(names))
    if draw(st.integers(0, SEVERAL_DEVICES_ONE_IN - 1)) < SEVERAL_DEVICES_ONE_IN - 1:
        return (first,)  # hypothesis starts from, and shrinks towards, one device
    return (first, draw(st.sampled_from([n for n in names if n != first])))


def _num_devices(draw, drawn):
    grid = min(door.device_grid_size(name) for name in drawn["device"])
    return draw(st.sampled_from([n for n in DEVICE_COUNTS if n <= grid]))


def _tp_sizes(draw, drawn):
    heads = door.model(drawn["model"]).num_heads
    return (
        draw(st.sampled_from([t for t in _powers_up_to(drawn["num_devices"]) if heads % t == 0])),
    )


def _ep_sizes(draw, drawn):
    model = door.model(drawn["model"])
    if not model.is_moe:
        return None
    eps = [e for e in _powers_up_to(drawn["num_devices"]) if e <= model.num_experts]
    return (draw(st.sampled_from(eps)),)


def _moe_dp_sizes(draw, drawn):
    if drawn["ep_sizes"] is None:
        return None
    return (draw(st.sampled_from(_powers_up_to(drawn["num_devices"] // drawn["ep_sizes"][0]))),)


def _num_mtp_tokens(draw, drawn):
    has_mtp = door.model(drawn["model"]).mtp_layers
    return (draw(st.sampled_from(MTP_TOKENS)) if has_mtp else 0,)


def _dcp_sizes(draw, drawn):
    """Mostly no DCP; else one size that the layout runs (not with MTP, not modelled)."""
    tp = drawn["tp_sizes"][0]
    model = door.model(drawn["model"])
    allowed = [d for d in _powers_up_to(tp)[1:] if door.dcp_refusal(model, tp, d) is None]
    if not allowed or any(drawn["num_mtp_tokens"]) or draw(st.integers(0, 3)):
        return None
    return (draw(st.sampled_from(allowed)),)


def _enable_shared_expert_tp(draw, drawn):
    return bool(door.model(drawn["model"]).shared_experts) and draw(st.booleans())


LENGTHS_ONE_IN = 6
"""One draw in about six takes a length distribution in place of one prompt length."""
LENGTH_EDGES = (0, 64, 128, 256, 512, 1024, 2048, 3500, 4096, 8000, 16384)
"""Where a drawn distribution's bins start and end: two to four adjacent bins among these."""
DISTRIBUTION_BATCH_RANGE = (1, 128)
"""A distribution draw searches this range (msmodeling's ``--batch-range``, as its calibration
runs do): a probe of a distribution runs one forward per chunk, about concurrency / 4 of them
at the automatic budget, so an exhaustive oracle over an open range costs the square of its
boundary, minutes for a small model's tens of thousands."""


def _input_length(draw, drawn):
    """A prompt length from the knob's draws or, now and then, a distribution of adjacent bins
    with random weights (not with DCP, which a distribution is not modelled with)."""
    choices = next(k.knob.draws for k in request_knobs() if k.name == "input_length")
    if drawn["dcp_sizes"] or draw(st.integers(0, LENGTHS_ONE_IN - 1)) < LENGTHS_ONE_IN - 1:
        return draw(st.sampled_from(choices))  # hypothesis shrinks towards one length
    edges = draw(st.lists(st.sampled_from(LENGTH_EDGES), min_size=3, max_size=5, unique=True))
    bins = list(itertools.pairwise(sorted(edges)))
    weights = draw(st.lists(st.integers(1, 20), min_size=len(bins), max_size=len(bins)))
    return door.lengths([(lo, hi, w / 10) for (lo, hi), w in zip(bins, weights, strict=True)])


def _distribution(drawn) -> bool:
    return isinstance(drawn["input_length"], door.Lengths)


def _batch_range(draw, drawn):
    return DISTRIBUTION_BATCH_RANGE if _distribution(drawn) else None


def _disagg(draw, drawn):
    """Disagg now and then; with a distribution only where msmodeling serves one there (a
    prefill-only run: a TTFT limit and no TPOT limit)."""
    prefill_only = drawn["ttft_limit_ms"] is not None and drawn["tpot_limit_ms"] is None
    if _distribution(drawn) and not prefill_only:
        return False
    return draw(st.integers(0, 6)) == 0


CHUNKED_DISAGG_SPLITS = (0, 0, 2, 3, 5)
"""A disagg draw's budget: automatic (0), or the input split into about this many chunks."""


def _max_batched_tokens(draw, drawn):
    if _distribution(drawn):
        return None  # its chunk plan already cuts prompts at the automatic budget
    split = draw(st.sampled_from(CHUNKED_DISAGG_SPLITS)) if drawn["disagg"] else 0
    return -(-drawn["input_length"] // split) if split else None


def drawable(request: OptimizerRequest) -> bool:
    """Whether the fuzz could draw ``request``: agg never takes a budget below its input (its
    chunked replay is too slow for an oracle per draw), whatever the shrinker tries."""
    budget, prompt = request.max_batched_tokens, request.input_length
    if isinstance(prompt, door.Lengths):
        return True  # a distribution's plan is chunked at any budget, in one vectorized pass
    return request.disagg or budget is None or budget >= prompt


def _linear_action(name: str) -> Callable:
    """A linear action from the knob's draws; MXFP4 only where the simulator models it
    (eager, no MLA)."""

    def drawer(draw, drawn):
        choices = next(k.knob.draws for k in request_knobs() if k.name == name)
        if drawn["compile"] or door.model(drawn["model"]).mla is not None:
            choices = tuple(c for c in choices if c != "MXFP4")
        return draw(st.sampled_from(choices))

    return drawer


def _dspark_markov_head(draw, drawn):
    """A Markov head only under DSpark (msmodeling refuses it with any other method)."""
    if drawn.get("speculative_method") != "dspark":
        return None
    choices = next(k.knob.draws for k in request_knobs() if k.name == "dspark_markov_head")
    return draw(st.sampled_from(choices))


DRAWERS: dict[str, Callable] = {
    "model": _model,
    "device": _device,
    "num_devices": _num_devices,
    "tp_sizes": _tp_sizes,
    "ep_sizes": _ep_sizes,
    "moe_dp_sizes": _moe_dp_sizes,
    "num_mtp_tokens": _num_mtp_tokens,
    "dcp_sizes": _dcp_sizes,
    "enable_shared_expert_tp": _enable_shared_expert_tp,
    "input_length": _input_length,
    "disagg": _disagg,
    "max_batched_tokens": _max_batched_tokens,
    "dspark_markov_head": _dspark_markov_head,
    "quantize_linear_action": _linear_action("quantize_linear_action"),
    "quantize_non_expert_linear_action": _linear_action("quantize_non_expert_linear_action"),
    "batch_range": _batch_range,
}


@st.composite
def deployments(draw, searches: tuple[SearchRun, ...]) -> OptimizerRequest:
    """One request on one layout; only combinations the simulator accepts are drawn."""
    drawn: dict[str, object] = {}
    for declared in request_knobs():
        drawer = DRAWERS.get(declared.name)
        if drawer is not None:
            drawn[declared.name] = drawer(draw, drawn)
        elif declared.knob.draws:
            drawn[declared.name] = draw(st.sampled_from(declared.knob.draws))
        elif declared.knob.section is not None:
            continue  # PD-ratio mode pairs two searches; the fuzz checks one search at a time
        elif isinstance(declared.kind, Switch):
            drawn[declared.name] = draw(st.booleans())
    if drawn["tpot_limit_ms"] is None and drawn["ttft_limit_ms"] is None:
        drawn["tpot_limit_ms"] = DEFAULT_TPOT_LIMIT_MS
    if drawn.get("speculative_method") and not _drafts(drawn):
        drawn["speculative_method"] = None
    if drawn.get("speculative_method") != "dspark":
        drawn["dspark_markov_head"] = None
    return OptimizerRequest(**drawn, searches=searches)


def _drafts(drawn) -> bool:
    """Where the builtin draft (DFlash's or DSpark's) is calibrated: a dense GQA target deep
    enough for its target_layer_ids (up to layer 58; the only MoE model that deep,
    Qwen3-235B-A22B, has no record with a draft), eager or compiled (compiled DSpark with its
    vanilla head only), no MTP, DCP or chunked prefill, a prompt past the block."""
    if _distribution(drawn):
        return False  # a draft with a distribution is not modelled
    model = door.model(drawn["model"])
    budget = drawn.get("max_batched_tokens")
    head = drawn.get("dspark_markov_head") if drawn.get("speculative_method") == "dspark" else None
    compiled = not drawn["compile"] or head in (None, "vanilla")
    plain = compiled and not any(drawn["num_mtp_tokens"]) and not drawn["dcp_sizes"]
    prompt = drawn["input_length"] - int(drawn["input_length"] * drawn["prefix_cache_hit_rate"])
    fits = model.mla is None and not model.is_moe and model.num_layers > 58 and prompt > 8
    return plain and fits and (budget is None or budget >= prompt)


def describe(request: OptimizerRequest) -> str:
    """A drawn request as the knobs that differ from their defaults."""
    parts = []
    for declared in request_knobs():
        value = getattr(request, declared.name)
        if declared.required or value != declared.default:
            shown = declared.kind.to_file(value)
            parts.append(f"{declared.name}={shown}")
    return ", ".join(parts)
