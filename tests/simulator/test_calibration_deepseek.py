"""DeepSeek-V3's MTP block, as msmodeling's D1b/D2b runs show it; every probe and forward of
those runs is a calibration record (tests/calibration/deepseek-v3-*.json)."""

from __future__ import annotations

import pytest

from simulator import Simulator
from tests.simulator.calibration_deepseek import deployment

GIB = 2**30


def test_mtp_trades_memory_for_tpot() -> None:
    """The MTP block costs ~3 GiB per die and the fold cuts TPOT by ~45% at the same batch."""
    without, with_mtp = (Simulator(deployment(num_mtp_tokens=n)) for n in (0, 1))
    assert with_mtp.weight_bytes - without.weight_bytes == pytest.approx(3.009 * GIB, rel=0.01)
    assert with_mtp.probe(21).tpot_ms / without.probe(21).tpot_ms == pytest.approx(0.568, rel=0.01)


# msmodeling's ``model.weight_size`` per die at TP=8 x EP=16 (16 A3 dies), W8A8_DYNAMIC, for 0 to 3
# MTP tokens, without and with shared-expert TP (issue 21's runs, msmodeling 84fec85).
MSMODELING_WEIGHT_BYTES = {
    (0, False): 48_148_851_952,
    (1, False): 51_125_690_352,
    (2, False): 52_017_500_660,
    (3, False): 52_909_310_968,
    (0, True): 45_913_812_208,
    (1, True): 48_852_115_440,
    (2, True): 49_705_390_580,
    (3, True): 50_558_665_720,
}


@pytest.mark.parametrize(("mtp", "shared_tp"), MSMODELING_WEIGHT_BYTES)
def test_mtp_layers_share_one_embedding_and_head(mtp: int, shared_tp: bool) -> None:
    """Every MTP token adds a predictor layer (0.79 GiB here); the embedding and head come once."""
    dep = deployment(tp=8, input_length=1024, output_length=512, compile=False,
                     num_mtp_tokens=mtp, enable_shared_expert_tp=shared_tp)  # fmt: skip
    ours = Simulator(dep).weight_bytes
    assert abs(ours - MSMODELING_WEIGHT_BYTES[(mtp, shared_tp)]) < 64 * 1024
