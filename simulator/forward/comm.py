"""Collectives over the interconnect grid (serving model §3.3), each formula written once.

A collective offers two algorithms; it costs the faster one, but never less than the time to
copy its bytes through local memory. The message is an ``Affine`` form over the forward's
features where an op's message is affine in them (``ops.py``), or a number or array of numbers
where it is not (MoE layers, ``moe/``): the same formulas serve both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from simulator.numbers import Numbers


@dataclass(frozen=True)
class Link:
    """A group of ranks and the bandwidth (bytes/s) and latency (s) of the links between them."""

    group_size: int
    bandwidth: float
    latency: float


class Collective(NamedTuple):
    """Two algorithms' seconds and the bytes the collective moves through local memory."""

    first: object
    second: object
    local_bytes: object

    def seconds(self, num: Numbers, bandwidth: float, fixed_s: float, active):
        """The numeric cost: the faster algorithm, at least the local copy, plus the fixed
        cost, where ``active`` (nothing where there is no message)."""
        fastest = num.minimum(self.first, self.second)
        return num.where(active, num.maximum(fastest, self.local_bytes / bandwidth) + fixed_s, 0.0)


def all_reduce(link: Link, message) -> Collective:
    n, bw, lat = link.group_size, link.bandwidth, link.latency
    ring = message * (2 * (n - 1) / n / bw) + 2 * (n - 1) * lat
    tree = message * (2 / bw) + 2 * math.log2(n) * lat
    return Collective(ring, tree, message * 2)


def all_gather(link: Link, message_per_rank) -> Collective:
    n, bw, lat = link.group_size, link.bandwidth, link.latency
    ring = message_per_rank * ((n - 1) / bw) + (n - 1) * lat
    doubling = message_per_rank * ((n - 1) / bw) + math.log2(n) * lat
    return Collective(ring, doubling, message_per_rank * (1 + n))


def all_to_all(link: Link, exchanged, local_bytes) -> Collective:
    """``exchanged`` is max(sent, received) bytes excluding the rank's own split."""
    n, bw, lat = link.group_size, link.bandwidth, link.latency
    pairwise = exchanged / bw + (n - 1) * lat
    bruck = exchanged / bw + math.ceil(math.log2(n)) * lat
    return Collective(pairwise, bruck, local_bytes)
