"""msmodeling's DSpark proposal (``tensor_cast/layers/dspark.py``, ``DsparkWrapper.
_sample_sequential``) as the ops a decode step traces after the draft's lm_head, eager.

DSpark's lm_head reads the whole block (``sample_from_anchor``: no anchor dropped, so no
contiguous copy first), then samples the block slot by slot, serially, over the step's
requests (one row each). Per slot, with a Markov head (rank > 0): the previous token's
``markov_embed`` row, the head's own ops (``gated``: a gate over ``[hidden, embed]``; ``rnn``: a
block-local state updated from ``[state, embed, hidden]``, zeroed once per block), the rank-to-
vocab ``markov_bias`` split over TP like the lm_head and gathered like it, added onto the
slot's logits; then the confidence head (a 1-wide projection of ``[hidden, embed]``, or of the
hidden state alone without a Markov head) and the slot's argmax. The proposed tokens and the
confidences are stacked last. A prefill forward samples nothing (it returns the draft's logits),
so every op here is charged in decode forwards only. Every draft linear is 16-bit.
"""

from __future__ import annotations

from simulator.dtypes import BF16, INT64
from simulator.forward.affine import Affine
from simulator.forward.comm import all_gather
from simulator.forward.dcp import _collective as decode_collective
from simulator.forward.ops import Builder, tp_link

ROWS = Affine(decode_rows=1.0)
"""One row per request of a decode forward, nothing in a prefill."""
DECODE = "decode"


def dspark_sampling(b: Builder) -> None:
    draft = b.dep.draft
    h, vocab, block = b.dep.model.hidden_size, b.dep.model.vocab_size, draft.block
    rank = draft.markov_rank
    if rank > 0:
        _markov(b, block, rank, h, vocab, draft.markov_head)
    features = h + rank
    if rank > 0:
        _elementwise(b, "cat", block, features)
    _linear(b, block, features, 1)
    b.add("argmax", block, read=ROWS * (BF16 * vocab), write=ROWS * INT64, runs_when=DECODE)
    # Compiled, the two stacks trace as cats (the same bytes).
    stack = "cat" if b.dep.compile else "stack"
    b.add(stack, 1, read=ROWS * (INT64 * block), write=ROWS * (INT64 * block), runs_when=DECODE)
    b.add(stack, 1, read=ROWS * (BF16 * block), write=ROWS * (BF16 * block), runs_when=DECODE)


def _markov(b: Builder, block: int, rank: int, h: int, vocab: int, head: str) -> None:
    embed = ROWS * (BF16 * rank)
    b.add("embedding", block, read=ROWS * INT64 + embed, write=embed, runs_when=DECODE)
    if head == "gated":
        _elementwise(b, "cat", block, h + rank)
        _linear(b, block, h + rank, rank, bias=True)
        _elementwise(b, "sigmoid", block, rank)
        _elementwise(b, "mul", block, rank, inputs=2)
    elif head == "rnn":
        b.add("new_zeros", 1, read=embed, write=embed, runs_when=DECODE)
        _elementwise(b, "cat", block, 2 * rank + h)
        _linear(b, block, 2 * rank + h, 3 * rank, bias=True)
        for name, inputs in (("sigmoid", 1), ("mul", 2), ("rsub", 1), ("tanh", 1)):
            _elementwise(b, name, block, rank, inputs=inputs)
        for name, inputs in (("mul", 2), ("add", 2), ("tanh", 1)):
            _elementwise(b, name, block, rank, inputs=inputs)
    shard = -(-vocab // b.dep.tp)
    _linear(b, block, rank, shard)
    link = tp_link(b.dep)
    if link:
        decode_collective(b, "all_gather", block, all_gather(link, ROWS * (BF16 * shard)))
    _elementwise(b, "add", block, vocab, inputs=2)


def _elementwise(b: Builder, name: str, count: int, width: int, *, inputs: int = 1) -> None:
    """A 16-bit op over ``width`` per row (a ``cat`` reads and writes its whole width)."""
    out = ROWS * (BF16 * width)
    b.add(name, count, read=out * inputs, write=out, gp=ROWS * width, runs_when=DECODE)


def _linear(b: Builder, count: int, k: int, n: int, *, bias: bool = False) -> None:
    weight = Affine(decode=BF16 * (k * n + (n if bias else 0)))
    b.add("mm", count, mma=ROWS * (2.0 * k * n), read=ROWS * (BF16 * k) + weight,
          write=ROWS * (BF16 * n), runs_when=DECODE)  # fmt: skip
