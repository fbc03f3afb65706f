"""pytest plugin: collects scenario YAML files (built in the scenario harness)."""
