"""Scenario file fields, declared once for the loader, the JSON Schema and the template."""

from __future__ import annotations

from dataclasses import dataclass

from simulator import BUNDLED_MODELS, DEVICES, KVQuant, LinearQuant


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str
    default: object = None
    required: bool = False
    nullable: bool = False
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    children: tuple[Field, ...] = ()
    example: object = None


KINDS = {
    "str": "a string",
    "int": "an integer",
    "number": "a number",
    "bool": "true or false",
    "int_list": "a list of integers",
    "str_list": "a list of strings",
    "mapping": "a mapping",
    "params": "a mapping of search name to parameters",
}

DEPLOYMENT = Field(
    "deployment",
    "mapping",
    "What is served, where, and under which limits (msmodeling's throughput-optimizer flags).",
    required=True,
    children=(
        Field(
            "model",
            "str",
            "HF id of a bundled model, or a path to a config.json or its "
            "folder (relative to the scenario file).",
            required=True,
            example="Qwen/Qwen3-32B",
            choices=None,
        ),
        Field(
            "device",
            "str",
            "Device profile, msmodeling's name.",
            default="TEST_DEVICE",
            choices=tuple(DEVICES),
        ),
        Field(
            "num_devices",
            "int",
            "Number of devices (--num-devices).",
            required=True,
            minimum=1,
            example=8,
        ),
        Field(
            "input_length",
            "int",
            "Prompt tokens per request.",
            required=True,
            minimum=1,
            example=3500,
        ),
        Field(
            "output_length",
            "int",
            "Generated tokens per request.",
            required=True,
            minimum=1,
            example=1500,
        ),
        Field(
            "limits",
            "mapping",
            "SLOs in milliseconds; omit one for no limit.",
            default={},
            children=(
                Field(
                    "tpot_ms",
                    "number",
                    "TPOT limit (--tpot-limits).",
                    nullable=True,
                    minimum=0,
                    exclusive_minimum=True,
                    example=50,
                ),
                Field(
                    "ttft_ms",
                    "number",
                    "TTFT limit (--ttft-limits).",
                    nullable=True,
                    minimum=0,
                    exclusive_minimum=True,
                ),
            ),
        ),
        Field(
            "quantization",
            "mapping",
            "Linear-weight and KV-cache quantization.",
            default={},
            children=(
                Field(
                    "linear",
                    "str",
                    "--quantize-linear-action.",
                    default="W8A8_DYNAMIC",
                    choices=tuple(m.value for m in LinearQuant),
                ),
                Field(
                    "attention",
                    "str",
                    "--quantize-attention-action (KV cache).",
                    default="DISABLED",
                    choices=tuple(m.value for m in KVQuant),
                ),
            ),
        ),
        Field("compile", "bool", "--compile: fused, graph-compiled op inventory.", default=False),
        Field(
            "mode",
            "str",
            "agg, or disagg (prefill searched under the TTFT limit, decode under the TPOT limit).",
            default="agg",
            choices=("agg", "disagg"),
        ),
        Field("reserved_memory_gb", "number", "--reserved-memory-gb.", default=10.0, minimum=0),
        Field(
            "max_batched_tokens",
            "int",
            "--max-batched-tokens; omit for auto (4x, 2x, 1x input).",
            nullable=True,
            minimum=1,
        ),
        Field(
            "tp_sizes",
            "int_list",
            "TP sizes to search; empty for powers of two up to num_devices.",
            default=[],
        ),
        Field(
            "ep_sizes",
            "int_list",
            "EP sizes for MoE models; omit for EP = num_devices, empty for powers of two.",
            nullable=True,
        ),
        Field(
            "batch_range",
            "int_list",
            "[min, max]: no expansion phase (--batch-range).",
            nullable=True,
        ),
    ),
)

SEARCHES = Field(
    "searches",
    "mapping",
    "The baseline search, the candidates compared with it, and their parameters.",
    default={},
    children=(
        Field(
            "baseline",
            "str",
            "Registered search the others are judged against.",
            default="exponential",
        ),
        Field(
            "candidates",
            "str_list",
            "Registered searches under test.",
            default=["two_point", "certified_secant"],
        ),
        Field(
            "oracle", "str", "Registered search that knows the true answer.", default="exhaustive"
        ),
        Field(
            "params",
            "params",
            "Per-search parameters, e.g. two_point: {slo_safety_factor: 1.5}.",
            default={},
        ),
    ),
)

EXPECT = Field(
    "expect",
    "mapping",
    "What the candidates must achieve.",
    default={},
    children=(
        Field(
            "tolerance",
            "number",
            "Allowed relative difference of a candidate's batch size from the baseline's.",
            default=0.02,
            minimum=0,
        ),
        Field(
            "fewer_probes",
            "bool",
            "Candidates spend fewer probes than the baseline in total.",
            default=True,
        ),
        Field(
            "never_more_probes",
            "bool",
            "Candidates never spend more probes than the baseline on any single parallel strategy.",
            default=True,
        ),
        Field(
            "more_probes_allowed_at",
            "str_list",
            "Strategies (item keys such as TP=1 or TP=2,EP=4,decode) where candidates may spend "
            "more probes than the baseline, with the reason in a comment.",
            default=[],
        ),
    ),
)

ROOT = Field(
    "scenario",
    "mapping",
    "A searchbench scenario: one deployment, the searches to compare, and the expectations.",
    children=(
        Field("description", "str", "One line for humans.", default=""),
        DEPLOYMENT,
        SEARCHES,
        EXPECT,
    ),
)

BUNDLED_MODEL_IDS = tuple(BUNDLED_MODELS)
