"""The decode step, and disaggregated decode (serving model §1.5): every request of the batch
feeds its next token (and one per MTP draft) at the mid-generation sequence length."""

from __future__ import annotations

from simulator.deployment import Deployment
from simulator.numbers import Numbers
from simulator.phases.forwards import ForwardCost, Forwards, ForwardShape
from simulator.phases.waves import NAN
from simulator.results import Evaluation, StopReason


class DecodeStep:
    def __init__(self, dep: Deployment) -> None:
        self.query = dep.decode_query_len
        self.seq = dep.output_length // 2 + dep.decode_prompt_length + self.query
        self.fold = dep.tokens_per_decode_step

    def shape(self, batch_size) -> tuple:
        return batch_size, self.query, self.seq

    def folded(self, step: ForwardCost) -> ForwardCost:
        """A decode step's latency per output token (the MTP fold)."""
        if self.fold == 1.0:
            return step
        return step._replace(latency_ms=step.latency_ms / self.fold)


class DecodePhase:
    def __init__(self, dep: Deployment, forwards: Forwards, step: DecodeStep) -> None:
        self.dep = dep
        self.forwards = forwards
        self.step = step

    def shapes(self, batch_size: int) -> list[ForwardShape]:
        """One decode forward per probe, which msmodeling does not memoize."""
        concurrency = batch_size * self.dep.dp
        return [ForwardShape(True, concurrency, self.step.query, self.step.seq, memoized=False)]

    def evaluate(self, batch_size, num: Numbers) -> Evaluation:
        concurrency = batch_size * self.dep.dp
        (cost,) = self.forwards.costs(num, [self.step.shape(batch_size)])
        if self.dep.serving_cost_ms:
            # msmodeling adds the serving cost to the step before the MTP fold
            # (disagg_throughput_optimizer.get_inference_info).
            cost = cost._replace(latency_ms=cost.latency_ms + self.dep.serving_cost_ms)
        decode = self.step.folded(cost)
        nan = num.full(batch_size, NAN)
        return Evaluation(
            batch_size,
            concurrency,
            ttft_ms=nan,
            tpot_ms=decode.latency_ms,
            decode_ms=decode.latency_ms,
            prefill_wave_ms=nan,
            tokens_per_s=1000.0 * concurrency / decode.latency_ms,
            kv_bytes=decode.kv_bytes,
            activation_bytes=decode.activation_bytes,
            left_bytes=decode.left_bytes,
            memory_checks=((StopReason.DECODE_OOM, decode.left_bytes < 0),),
        )
