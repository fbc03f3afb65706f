"""A draft config kept beside the records (``tests/calibration/drafts/``) is named relative to
the record's folder: written so by ``calibrate record``, resolved on load, made absolute again
for ``calibrate rerecord`` (msmodeling runs in its own checkout)."""

from __future__ import annotations

from pathlib import Path

from harness.calibration import load_record
from harness.calibration.recorder import relative_drafts
from harness.calibration.rerecord import optimizer_flags, with_draft_paths

RECORDS = Path(__file__).resolve().parent
MOE = RECORDS / "qwen3-30b-a3b-4x-dspark.json"


def test_a_record_resolves_its_draft_against_its_folder() -> None:
    record = load_record(MOE)
    draft = Path(str(record.runs[0].deployment["draft_model_config_path"]))
    assert draft == RECORDS / "drafts" / "qwen3-30b-a3b.json" and draft.is_file()


def test_rerecord_passes_msmodeling_the_absolute_path() -> None:
    record = load_record(MOE)
    flags, _ = optimizer_flags(record)
    assert "drafts/qwen3-30b-a3b.json" in flags
    ran = with_draft_paths(record, flags)
    assert str(RECORDS.resolve() / "drafts" / "qwen3-30b-a3b.json") in ran
    assert len(ran) == len(flags)


def test_only_a_draft_under_the_records_folder_is_made_relative(tmp_path: Path) -> None:
    inside = tmp_path / "drafts" / "d.json"
    outside = "/elsewhere/d.json"

    def payload(path: str) -> dict:
        command = f"python -m cli.inference.throughput_optimizer M --draft-model-config-path {path}"
        return {
            "msmodeling": {"command": command},
            "runs": [{"deployment": {"draft_model_config_path": path}}],
        }

    written = relative_drafts(payload(str(inside)), tmp_path)
    assert written["runs"][0]["deployment"]["draft_model_config_path"] == "drafts/d.json"
    assert written["msmodeling"]["command"].endswith("--draft-model-config-path drafts/d.json")
    kept = relative_drafts(payload(outside), tmp_path)
    assert kept == payload(outside)
