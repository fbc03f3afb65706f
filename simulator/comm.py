"""Collective costs over the interconnect grid (serving model §3.3).

Each collective is two candidate algorithms whose times are affine in the forward's features;
the op costs the faster one. Message sizes arrive as {feature: bytes per unit} maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Affine = dict[str, float]


@dataclass(frozen=True)
class Link:
    group_size: int
    bandwidth: float
    latency: float


@dataclass(frozen=True)
class Collective:
    first: Affine
    second: Affine
    memory_bytes: Affine


def _plus(constant: float, message: Affine, factor: float) -> Affine:
    out = {feature: value * factor for feature, value in message.items()}
    out["one"] = out.get("one", 0.0) + constant
    return out


def _scaled(message: Affine, factor: float) -> Affine:
    return {feature: value * factor for feature, value in message.items()}


def all_reduce(link: Link, message: Affine) -> Collective:
    n, bw, lat = link.group_size, link.bandwidth, link.latency
    ring = _plus(2 * (n - 1) * lat, message, 2 * (n - 1) / n / bw)
    tree = _plus(2 * math.log2(n) * lat, message, 2 / bw)
    return Collective(ring, tree, _scaled(message, 2))


def all_gather(link: Link, message_per_rank: Affine) -> Collective:
    n, bw, lat = link.group_size, link.bandwidth, link.latency
    ring = _plus((n - 1) * lat, message_per_rank, (n - 1) / bw)
    doubling = _plus(math.log2(n) * lat, message_per_rank, (n - 1) / bw)
    return Collective(ring, doubling, _scaled(message_per_rank, 1 + n))


def all_to_all(link: Link, exchanged: Affine) -> Collective:
    """``exchanged`` is max(sent, received) bytes excluding the rank's own split."""
    n, bw, lat = link.group_size, link.bandwidth, link.latency
    pairwise = _plus((n - 1) * lat, exchanged, 1 / bw)
    bruck = _plus(math.ceil(math.log2(n)) * lat, exchanged, 1 / bw)
    return Collective(pairwise, bruck, _scaled(exchanged, 2))
