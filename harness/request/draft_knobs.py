"""The speculative-decoding options that need ``speculative_method`` (msmodeling's G3)."""

from __future__ import annotations

from harness.request.knobs import knob

DRAFT_FLAGS = {
    "tokens": "--num-speculative-tokens",
    "acceptance": "--acceptance-length",
    "layers": "--num-draft-layers",
    "config": "--draft-model-config-path",
    "rank": "--dspark-markov-rank",
    "head": "--dspark-markov-head",
}


def draft_knob(help: str, kind, flag: str, draws: tuple = ()):
    """A speculative-decoding option: absent unless given, and refused without a method
    (``rules.speculative_checks``, msmodeling's G3). The fuzz draws one with ``draws`` only
    under its method (``harness/fuzz/deployments.py``)."""
    needs = "speculative_method dspark" if flag in ("rank", "head") else "speculative_method"
    return knob(
        f"{help}; needs {needs}",
        kind,
        default=None,
        flags=(DRAFT_FLAGS[flag],),
        nullable=True,
        draws=draws,
    )
