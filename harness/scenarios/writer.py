"""A request written back as a scenario file, from the same knob table the loader reads."""

from __future__ import annotations

import yaml

from harness.request import OptimizerRequest, request_knobs


def deployment_mapping(request: OptimizerRequest) -> dict[str, object]:
    """The ``deployment`` mapping of a scenario file for this request (defaults left out)."""
    out: dict[str, object] = {}
    for declared in request_knobs():
        path = declared.knob.scenario
        value = getattr(request, declared.name)
        if path is None or (value == declared.default and not declared.knob.scenario_required):
            continue
        values = declared.knob.scenario_values
        if values:
            value = next(key for key, mapped in values.items() if mapped == value)
        elif isinstance(value, tuple):
            value = list(value)
        head, _, leaf = path.partition(".")
        if leaf:
            out.setdefault(head, {})[leaf] = value
        else:
            out[head] = value
    return out


def scenario_text(
    request: OptimizerRequest,
    description: str,
    comments: list[str],
    searches: dict[str, object] | None = None,
) -> str:
    document: dict[str, object] = {"description": description}
    document["deployment"] = deployment_mapping(request)
    if searches:
        document["searches"] = searches
    head = "".join(f"# {line}\n" for line in comments)
    return head + yaml.safe_dump(document, sort_keys=False, default_flow_style=None)
