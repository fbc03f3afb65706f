"""msmodeling's optimizer command line, pasted: every flag is a knob, a harness flag, or
answered in one line; its deprecated spellings warn as msmodeling's do."""

from __future__ import annotations

import json

import pytest

from harness.cli import build_parser, main
from harness.cli.msmodeling_flags import ANSWERS

_MSMODELING_FLAGS = """
--acceptance-length --batch-range --chrome-trace --chrome-trace-file --compilation-config
--compile --compile-allow-graph-break --concurrency-search-strategy --dcp-sizes
--decode-devices-per-instance --device --devices --disagg --draft-model-config-path
--dspark-markov-head --dspark-markov-rank --dump-original-results
--enable-optimize-prefill-decode-ratio --enable-shared-expert-tp --ep-sizes --image-batch-size
--image-height --image-width --input-length --jobs --max-batched-tokens
--max-search-combinations --model-id --moe-dp-sizes --mtp-acceptance-rate
--mtp-acceptance-rates --mxfp4-group-size --num-devices --num-draft-layers --num-mtp-tokens
--num-speculative-tokens --output-length --performance-model --prefill-devices-per-instance
--prefix-cache-hit-rate --profiling-database --profiling-database-path
--quantize-attention-action --quantize-linear-action --quantize-non-expert-linear-action
--reserved-memory-gb --serving-cost --speculative-method --tp-sizes --tpot-limit --tpot-limits
--ttft-limit --ttft-limits --word-embedding-tp --log-level
"""
MSMODELING_FLAGS = _MSMODELING_FLAGS.split()
"""Every option of msmodeling 84fec85's throughput optimizer (cli/inference/
throughput_optimizer.py, cli/utils.py, and spec_cli's --log-level)."""

MODES_UNDER_WAY = {}
"""msmodeling flags of modes not built yet: argparse still calls them unrecognized."""

QWEN3_8B = ["Qwen/Qwen3-8B", "--num-devices", "2", "--tp-sizes", "2"]
QWEN3_8B += ["--input-length", "2000", "--output-length", "500", "--search", "exponential"]


def _optimize_options() -> dict[str, object]:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    return commands["optimize"]._option_string_actions


@pytest.mark.parametrize("flag", sorted(MSMODELING_FLAGS))
def test_every_msmodeling_flag_is_taken(flag: str) -> None:
    assert flag in _optimize_options()


def test_every_answer_is_an_msmodeling_flag_that_no_knob_takes() -> None:
    options = _optimize_options()
    for flag in ANSWERS:
        assert flag in MSMODELING_FLAGS
        assert type(options[flag]).__name__ == "_Answered"


@pytest.mark.parametrize(
    "old,new", [("--tpot-limits", "--tpot-limit"), ("--ttft-limits", "--ttft-limit")]
)
def test_a_deprecated_spelling_warns_as_msmodeling_does_and_is_hidden(capsys, old, new) -> None:
    assert main(["optimize", *QWEN3_8B, old, "50", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err.strip() == (
        f"WARNING: {old} is deprecated; use {new} instead. The old form remains accepted for "
        "compatibility."
    )
    assert json.loads(out)["rows"]
    with pytest.raises(SystemExit):
        main(["optimize", "--help"])
    shown = capsys.readouterr().out
    assert new in shown and old not in shown


def test_the_deprecated_and_current_spellings_give_one_answer(capsys) -> None:
    answers = []
    for flag in ("--tpot-limit", "--tpot-limits"):
        main(["optimize", *QWEN3_8B, flag, "30", "--format", "json"])
        answers.append(json.loads(capsys.readouterr().out)["rows"])
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    "flags,reason",
    [
        (["--performance-model", "profiling"], "measured-operator database"),
        (["--image-height", "512"], "multimodal"),
        (["--dump-original-results"], "--format json or csv"),
        (["--compilation-config", "x.json"], "compiler passes"),
    ],
)
def test_a_refused_flag_says_why_in_one_line(capsys, flags, reason) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["optimize", *QWEN3_8B, "--tpot-limit", "50", *flags])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"searchbench optimize: error: {flags[0]}: not supported: ")
    assert reason in err


def test_accepted_flags_change_nothing(capsys) -> None:
    base = ["optimize", *QWEN3_8B, "--tpot-limit", "50", "--format", "json"]
    main(base)
    plain = json.loads(capsys.readouterr().out)["rows"]
    extra = ["--log-level", "debug", "--performance-model", "analytic", "--chrome-trace", "t.json"]
    assert main([*base, *extra]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == plain


def test_model_id_is_msmodelings_spelling_of_the_model(capsys) -> None:
    rest = [*QWEN3_8B[1:], "--tpot-limit", "50", "--format", "json"]
    main(["optimize", *QWEN3_8B, "--tpot-limit", "50", "--format", "json"])
    positional = json.loads(capsys.readouterr().out)["rows"]
    assert main(["optimize", "--model-id", "Qwen/Qwen3-8B", *rest]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == positional
    assert main(["optimize", "--model-id", "Qwen/Qwen3-8B", "Qwen/Qwen3-32B", *rest]) == 2
    assert "model: MODEL and --model-id differ" in capsys.readouterr().err
    assert main(["optimize", *rest]) == 2
    assert "model: give MODEL (or --model-id)" in capsys.readouterr().err


def test_jobs_is_msmodelings_worker_count_for_the_projected_seconds(capsys) -> None:
    """Four TP layouts on 8 devices: run 4 at a time they finish sooner than one by one."""
    base = ["optimize", "Qwen/Qwen3-8B", "--num-devices", "8", "--input-length", "2000"]
    base += ["--output-length", "500", "--tpot-limit", "50", "--search", "exponential"]
    total = {}
    for flags in (["--jobs", "1"], ["--jobs", "8"], ["--msmodeling-jobs", "8"]):
        assert main([*base, "--format", "json", *flags]) == 0
        total[" ".join(flags)] = json.loads(capsys.readouterr().out)["projected_msmodeling_s"]
    assert total["--jobs 8"] == total["--msmodeling-jobs 8"]
    assert total["--jobs 8"]["exponential"] < total["--jobs 1"]["exponential"]
