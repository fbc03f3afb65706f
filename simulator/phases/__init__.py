"""How a deployment's phase turns forwards into TTFT, TPOT, throughput and memory, written once
for one batch size (Python numbers) and for many (numpy arrays)."""
