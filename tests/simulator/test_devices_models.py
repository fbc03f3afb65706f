"""Device registry, interconnect selection with FULL_MESH scaling, and the bundled models."""

from __future__ import annotations

import pytest

from simulator import BUNDLED_MODELS, DEVICES, load_model
from simulator.devices import get_device

MSMODELING_DEVICES = {
    "TEST_DEVICE",
    "ATLAS_800_A2_376T_64G",
    "ATLAS_800_A2_313T_64G",
    "ATLAS_800_A2_280T_64G",
    "ATLAS_800_A2_280T_64G_PCIE",
    "ATLAS_800_A2_280T_32G_PCIE",
    "ATLAS_800_A3_752T_128G_DIE",
    "ATLAS_800_A3_560T_128G_DIE",
    "ATLAS_800_A3_560T_128G_DIE_ROCE",
    "ATLAS_350_425T_112G",
    "ATLAS_350_425T_84G",
}


def test_every_msmodeling_profile_is_registered() -> None:
    assert set(DEVICES) == MSMODELING_DEVICES


def test_test_device_effective_rates() -> None:
    device = get_device("TEST_DEVICE")
    assert device.mma_rate("bf16") == pytest.approx(247.73e12, rel=1e-4)
    assert device.gp_rate("bf16") == pytest.approx(7.70e12, rel=1e-3)
    assert device.effective_memory_bandwidth == pytest.approx(1.0556e12, rel=1e-4)
    assert (
        device.mma_rate("fp8") is not None
        and get_device("ATLAS_800_A2_280T_64G").mma_rate("fp8") is None
    )


@pytest.mark.parametrize(
    ("group", "bandwidth_gbps", "latency_us"),
    [(2, 19.6, 1.3), (4, 58.8, 1.3), (8, 137.2, 1.3), (16, 35.0, 10.0)],
)
def test_test_device_links_scale_with_the_mesh(group, bandwidth_gbps, latency_us) -> None:
    bandwidth, latency = get_device("TEST_DEVICE").grid.link_for_group(group)
    assert bandwidth / 1e9 == pytest.approx(bandwidth_gbps, rel=1e-3)
    assert latency * 1e6 == pytest.approx(latency_us)


def test_a3_groups_pick_the_innermost_link_they_fit() -> None:
    grid = get_device("ATLAS_800_A3_752T_128G_DIE").grid
    assert grid.link_for_group(2) == pytest.approx((224e9 * 0.7, 0.2e-6))
    assert grid.link_for_group(16) == pytest.approx((196e9 * 0.7, 0.5e-6))
    assert grid.link_for_group(32) == pytest.approx((196e9 * 0.7, 5.5e-6))


@pytest.mark.parametrize("name", sorted(BUNDLED_MODELS))
def test_bundled_models_load_by_id_case_insensitively(name: str) -> None:
    assert load_model(name.lower()).name == name


def test_moe_models_carry_their_experts() -> None:
    model = load_model("Qwen/Qwen3-235B-A22B")
    assert (model.num_experts, model.experts_per_token, model.moe_intermediate_size) == (
        128,
        8,
        1536,
    )
