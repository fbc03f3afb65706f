"""A request written back as a scenario file, from the same knob table the loader reads."""

from __future__ import annotations

import yaml

from harness.request import OptimizerRequest, request_knobs


def deployment_mapping(request: OptimizerRequest) -> dict[str, object]:
    """The ``deployment`` mapping of a scenario file for this request (defaults left out)."""
    out: dict[str, object] = {}
    for declared in request_knobs():
        value = getattr(request, declared.name)
        section = declared.knob.section
        if section is not None:
            if declared.name == section and value:
                out[section] = {
                    d.name: d.kind.to_file(getattr(request, d.name))
                    for d in request_knobs()
                    if d.knob.section == section and d.name != section
                }
            continue
        if declared.required or value != declared.default:
            out[declared.name] = declared.kind.to_file(value)
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
