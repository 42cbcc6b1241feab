#!/usr/bin/env python3
"""Checks Grafana dashboards against JSON Schemas generated from @grafana/schema (generate.cjs).

  python3 check.py SCHEMA_DIR DASHBOARD.json...

For each dashboard:
  1. the whole JSON against the `Dashboard` type (unknown keys, wrong types, enum values, missing
     required fields such as `schemaVersion`, a panel's `type`, a row's `collapsed`);
  2. each panel (also those inside collapsed rows) whose plugin @grafana/schema describes:
     `options` against the plugin's `Options`, `fieldConfig.defaults.custom` against its
     `FieldConfig`, and every override property against the field config it names;
  3. each target against the common `DataQuery` (refId, hide, datasource...; a data source's own
     fields such as Prometheus' `expr` are not in @grafana/schema and pass unchecked).
Before that, a self-test proves the check can fail: a small valid dashboard must pass and each of
its mutated copies (one wrong-typed or misspelt field each) must be rejected at that field, and a
copy of every given dashboard with a wrong-typed `schemaVersion` must be rejected.

Exit 0 when everything passes, 1 otherwise.
"""
import copy
import json
import os
import sys

import jsonschema
from jsonschema.exceptions import best_match

# Fields Grafana itself writes into dashboards that the `Dashboard` type of @grafana/schema does
# not declare (its additionalProperties: false would reject them). Each is added to the schema
# with the type Grafana gives it; keep this list short and justified.
KNOWN_OMISSIONS = {
    # A query variable's query as typed in the editor ("label_values(up, job)"): Grafana's
    # QueryVariableModel has it, the CUE-generated VariableModel does not.
    "VariableModel": {"definition": {"type": "string"}},
}


def strip_required(node):
    """Removes every `required` from a schema: Grafana merges a plugin's defaults into the options
    and custom field config a dashboard gives, so any subset of them is complete."""
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            strip_required(value)
    elif isinstance(node, list):
        for value in node:
            strip_required(value)
    return node


def property_schema(schema, name):
    """The schema of property `name` of the root definition of a generated schema, as a schema
    that keeps the definitions its $refs point to; None when the root has no such property."""
    root = schema["definitions"][schema["$ref"].split("/")[-1]]
    prop = root.get("properties", {}).get(name)
    if prop is None:
        return None
    return {"definitions": schema["definitions"], **prop}


class Schemas:
    def __init__(self, directory):
        def load(name):
            with open(os.path.join(directory, name)) as f:
                return json.load(f)

        self.source = load("source.json")
        dashboard = load("dashboard.json")
        for definition, extra in KNOWN_OMISSIONS.items():
            dashboard["definitions"][definition]["properties"].update(extra)
        # A panel's links: Grafana writes DataLinks ({title, url, targetBlank}, the v2 schema's
        # type for them); the v1 type says DashboardLink. Either is accepted.
        link = load("datalink.json")["definitions"]["DataLink"]
        dashboard["definitions"]["DataLink"] = link
        panel_links = dashboard["definitions"]["Panel"]["properties"]["links"]
        panel_links["items"] = {"anyOf": [panel_links["items"], {"$ref": "#/definitions/DataLink"}]}
        self.dashboard = dashboard
        query = load("dataquery.json")
        query["definitions"]["DataQuery"]["additionalProperties"] = True  # each data source extends it
        self.query = query
        # Field config a dashboard gives in defaults and overrides: the dashboard's `FieldConfig`.
        self.field_config = {"definitions": dashboard["definitions"], "$ref": "#/definitions/FieldConfig"}
        self.panels = {}
        for plugin in self.source["panels"]:
            loaded = load(os.path.join("panels", plugin + ".json"))
            self.panels[plugin] = {
                "version": loaded["pluginVersion"],
                "options": strip_required(loaded["options"]),
                "custom": strip_required(loaded["fieldConfig"]) if loaded["fieldConfig"] else None,
            }
        self._validators = {}

    def errors(self, schema, instance, where):
        """Every violation of `schema` by `instance`, as 'where.path: message' strings."""
        key = id(schema)
        if key not in self._validators:
            jsonschema.Draft7Validator.check_schema(schema)
            self._validators[key] = jsonschema.Draft7Validator(schema)
        found = []
        for error in sorted(self._validators[key].iter_errors(instance), key=lambda e: list(e.absolute_path)):
            error = deepest(error)
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            found.append(f"{where}{path}: {error.message[:300]}")
        return found


def deepest(error):
    """For an anyOf/oneOf failure (a panel is a Panel or a RowPanel), the branch's error that got
    furthest into the instance: the one that says what is wrong, not that `collapsed` is missing."""
    while error.context:
        depth = max(len(e.absolute_path) for e in error.context)
        error = best_match(e for e in error.context if len(e.absolute_path) == depth)
    return error


def panels_of(dashboard):
    """(json path, panel) of every panel, those inside rows included."""
    for i, panel in enumerate(dashboard.get("panels") or []):
        yield f"panels[{i}]", panel
        if isinstance(panel, dict) and panel.get("type") == "row":
            for j, inner in enumerate(panel.get("panels") or []):
                yield f"panels[{i}].panels[{j}]", inner


def check_dashboard(schemas, dashboard, name):
    """(errors, notes) of one dashboard: errors fail the check, notes say what went unchecked."""
    errors = schemas.errors(schemas.dashboard, dashboard, name)
    notes = []
    unchecked = {}
    for where, panel in panels_of(dashboard):
        if not isinstance(panel, dict) or panel.get("type") == "row":
            continue
        at = f"{name}.{where}"
        kind = panel.get("type")
        plugin = schemas.panels.get(kind)
        if plugin is None:
            unchecked.setdefault(kind, []).append(panel.get("id"))
        else:
            if "options" in panel:
                errors += schemas.errors(plugin["options"], panel["options"], at + ".options")
            defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
            custom = defaults.get("custom")
            if custom and plugin["custom"] is None:
                errors.append(f"{at}.fieldConfig.defaults.custom: panel plugin {kind} has no custom field config")
            elif custom is not None and plugin["custom"] is not None:
                errors += schemas.errors(plugin["custom"], custom, at + ".fieldConfig.defaults.custom")
        for k, override in enumerate((panel.get("fieldConfig") or {}).get("overrides") or []):
            for m, prop in enumerate(override.get("properties") or [] if isinstance(override, dict) else []):
                if not isinstance(prop, dict) or not isinstance(prop.get("id"), str):
                    continue  # the Dashboard schema has reported it
                errors += check_override(schemas, plugin, kind, prop, f"{at}.fieldConfig.overrides[{k}].properties[{m}]")
        for t, target in enumerate(panel.get("targets") or []):
            errors += schemas.errors(schemas.query, target, f"{at}.targets[{t}]")
    for kind, ids in sorted(unchecked.items(), key=lambda item: str(item[0])):
        notes.append(f"panel type {kind!r} (ids {ids}): options not checked, "
                     f"@grafana/schema {schemas.source['version']} has no type for it")
    return errors, notes


def check_override(schemas, plugin, kind, prop, at):
    """An override property {id, value}: `custom.X` against the plugin's field config, any other id
    against the dashboard's FieldConfig; an id that names nothing is an error (Grafana ignores it)."""
    ident, value = prop["id"], prop.get("value")
    if ident.startswith("custom."):
        if plugin is None:
            return []  # no type for this plugin: nothing to say
        schema = property_schema(plugin["custom"], ident[len("custom."):]) if plugin["custom"] else None
    else:
        schema = property_schema(schemas.field_config, ident)
    if schema is None:
        return [f"{at}.id: {ident!r} is not a field config property of panel type {kind}"]
    if "value" not in prop:
        return []
    return schemas.errors(schema, value, at + ".value")


# The self-test's dashboard: valid against @grafana/schema, and small.
MINIMAL = {
    "uid": "schema-self-test", "title": "Schema self-test", "schemaVersion": 39, "editable": False,
    "time": {"from": "now-6h", "to": "now"},
    "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus",
                             "current": {"text": "Prometheus", "value": "prometheus-a"}}]},
    "panels": [
        {"id": 1, "type": "timeseries", "title": "Rate", "description": "d",
         "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "links": [{"title": "Details", "url": "/d/other/other?${__url_time_range}"}],
         "fieldConfig": {"defaults": {"unit": "reqps", "custom": {"fillOpacity": 10}},
                         "overrides": [{"matcher": {"id": "byName", "options": "x"},
                                        "properties": [{"id": "custom.lineWidth", "value": 2}]}]},
         "options": {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom"}},
         "targets": [{"refId": "A", "expr": "rate(x_total[$__rate_interval])"}]},
        {"id": 2, "type": "stat", "title": "Up", "description": "d",
         "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
         "fieldConfig": {"defaults": {"unit": "none"}, "overrides": []},
         "options": {"colorMode": "background", "reduceOptions": {"calcs": ["lastNotNull"]}},
         "targets": [{"refId": "A", "expr": "up"}]},
    ],
}


def _set(path, value):
    def mutate(d):
        node = d
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return mutate


# (what is wrong, mutation, the path the rejection must name)
MUTATIONS = [
    ("schemaVersion as a string", _set(["schemaVersion"], "39"), "schemaVersion"),
    ("a panel's gridPos.w as a string", _set(["panels", 0, "gridPos", "w"], "12"), "panels[0].gridPos.w"),
    ("a panel without type", lambda d: d["panels"][0].pop("type"), "panels[0]"),
    ("a misspelt dashboard key", _set(["refrsh"], "30s"), "Schema self-test"),
    ("a variable type that does not exist", _set(["templating", "list", 0, "type"], "datasrc"),
     "templating.list[0].type"),
    ("a datasource variable with current: {}", _set(["templating", "list", 0, "current"], {}),
     "templating.list[0].current"),
    ("fieldConfig unit as a number", _set(["panels", 0, "fieldConfig", "defaults", "unit"], 5),
     "panels[0].fieldConfig.defaults.unit"),
    ("timeseries legend.showLegend as a string",
     _set(["panels", 0, "options", "legend", "showLegend"], "yes"), "panels[0].options.legend.showLegend"),
    ("a misspelt timeseries option", _set(["panels", 0, "options", "legnd"], {}), "panels[0].options"),
    ("stat colorMode outside its enum", _set(["panels", 1, "options", "colorMode"], "rainbow"),
     "panels[1].options.colorMode"),
    ("timeseries custom.fillOpacity as a string",
     _set(["panels", 0, "fieldConfig", "defaults", "custom", "fillOpacity"], "10"),
     "panels[0].fieldConfig.defaults.custom.fillOpacity"),
    ("an override of a custom property that does not exist",
     _set(["panels", 0, "fieldConfig", "overrides", 0, "properties", 0, "id"], "custom.lineWidht"),
     "panels[0].fieldConfig.overrides[0].properties[0].id"),
    ("an override value of the wrong type",
     _set(["panels", 0, "fieldConfig", "overrides", 0, "properties", 0, "value"], "thick"),
     "panels[0].fieldConfig.overrides[0].properties[0].value"),
    ("a panel link without url", lambda d: d["panels"][0]["links"][0].pop("url"), "panels[0].links[0]"),
    ("a target's refId as a number", _set(["panels", 1, "targets", 0, "refId"], 1), "panels[1].targets[0].refId"),
]


def self_test(schemas, dashboards):
    """Failures of the self-test (empty when the check proved it can tell good from bad)."""
    failures = []
    name = "Schema self-test"
    errors, _ = check_dashboard(schemas, MINIMAL, name)
    if errors:
        failures.append("the self-test's valid dashboard was rejected:\n    " + "\n    ".join(errors))
    for what, mutate, path in MUTATIONS:
        mutated = copy.deepcopy(MINIMAL)
        mutate(mutated)
        errors, _ = check_dashboard(schemas, mutated, name)
        want = path if path == name else f"{name}.{path}"
        if not any(e.startswith(want) for e in errors):
            failures.append(f"not rejected at {want}: {what} (errors: {errors or 'none'})")
    for file, dashboard in dashboards:
        mutated = copy.deepcopy(dashboard)
        mutated["schemaVersion"] = str(dashboard.get("schemaVersion", 39))
        errors, _ = check_dashboard(schemas, mutated, file)
        if not any(e.startswith(f"{file}.schemaVersion") for e in errors):
            failures.append(f"{file} with schemaVersion as a string was not rejected")
    return failures


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    schemas = Schemas(argv[1])
    dashboards = []
    failed = False
    for path in argv[2:]:
        try:
            with open(path) as f:
                dashboards.append((os.path.basename(path), json.load(f)))
        except (OSError, ValueError) as e:
            print(f"FAIL {path}: not readable as JSON: {e}")
            failed = True
    print(f"schemas: @grafana/schema {schemas.source['version']} (Dashboard, DataQuery, "
          f"{len(schemas.panels)} panel plugins; not generated: {schemas.source.get('not_generated') or 'none'})")
    failures = self_test(schemas, dashboards)
    if failures:
        print("FAIL self-test: the check does not reject what it must (or rejects a valid dashboard):")
        for f in failures:
            print("  " + f)
        failed = True
    else:
        print(f"ok   self-test: a valid dashboard passes, {len(MUTATIONS)} mutated copies and "
              f"{len(dashboards)} dashboards with a string schemaVersion are rejected")
    for file, dashboard in dashboards:
        errors, notes = check_dashboard(schemas, dashboard, file)
        panels = sum(1 for _, p in panels_of(dashboard) if isinstance(p, dict) and p.get("type") != "row")
        if errors:
            failed = True
            print(f"FAIL {file}: {len(errors)} schema violation(s)")
            for e in errors:
                print("  " + e)
        else:
            print(f"ok   {file}: {panels} panels")
        for n in notes:
            print("  note: " + n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
