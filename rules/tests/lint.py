"""Checks what promtool does not: the conventions of rules/README.md and the coverage of the
alerts by tests, routing cases and runbooks. Usage: python3 lint.py REPOSITORY_ROOT.

For every alerting rule: severity critical or warning, component from the closed set, a
ticket label only on warnings, annotations summary, description and runbook_url, the
runbook_url docs/runbooks/<alert>.md and that file present, `for:` in whole minutes (the
precondition of the for: transformation). For every alert name: a promtool case where it fires
(rules/tests/*_test.yml), a routing case (alertmanager/tests/routes.txt), a row in the alerts
table of rules/README.md and in the table of docs/runbooks/README.md. Every recording rule named
level:metric:operations. No runbook without an alert.
"""
import pathlib
import re
import sys

import yaml

COMPONENTS = {"pipeline", "market_data", "backups", "websocket", "vendor_api", "exporter"}
SEVERITIES = {"critical", "warning"}


def main(root: pathlib.Path) -> int:
    problems = []
    alerts = {}  # name -> rule file
    records = []
    for path in sorted((root / "rules").glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        for group in doc["groups"]:
            for rule in group["rules"]:
                where = f"{path.name}: {group['name']}: {rule.get('alert') or rule.get('record')}"
                if "record" in rule:
                    records.append(rule["record"])
                    if not re.fullmatch(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", rule["record"]):
                        problems.append(f"{where}: not named level:metric:operations")
                    continue
                name = rule["alert"]
                alerts[name] = path.name
                labels = rule.get("labels", {})
                notes = rule.get("annotations", {})
                if labels.get("severity") not in SEVERITIES:
                    problems.append(f"{where}: severity {labels.get('severity')!r} not in {sorted(SEVERITIES)}")
                if labels.get("component") not in COMPONENTS:
                    problems.append(f"{where}: component {labels.get('component')!r} not in {sorted(COMPONENTS)}")
                if "ticket" in labels and (labels["ticket"] != "true" or labels.get("severity") != "warning"):
                    problems.append(f"{where}: ticket=\"true\" goes only on severity warning")
                for key in ("summary", "description", "runbook_url"):
                    if not notes.get(key):
                        problems.append(f"{where}: no {key} annotation")
                if notes.get("runbook_url") != f"docs/runbooks/{name}.md":
                    problems.append(f"{where}: runbook_url {notes.get('runbook_url')!r}, want docs/runbooks/{name}.md")
                if not (root / "docs" / "runbooks" / f"{name}.md").is_file():
                    problems.append(f"{where}: docs/runbooks/{name}.md is missing")
                if not re.fullmatch(r"[0-9]+m", str(rule.get("for", ""))):
                    problems.append(f"{where}: for: {rule.get('for')!r} is not whole minutes (Nm)")

    fired = set()
    for path in sorted((root / "rules" / "tests").glob("*_test.yml")):
        doc = yaml.safe_load(path.read_text())
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []) or []:
                if case.get("exp_alerts"):
                    fired.add(case["alertname"])
    routed = set()
    routes = root / "alertmanager" / "tests" / "routes.txt"
    for line in routes.read_text().splitlines():
        found = re.search(r"\balertname=(\S+)", line)
        if found and not line.lstrip().startswith("#"):
            routed.add(found.group(1))
    rules_readme = (root / "rules" / "README.md").read_text()
    runbooks_readme = (root / "docs" / "runbooks" / "README.md").read_text()
    for name in sorted(alerts):
        if not re.search(rf"^\| {name} \|", rules_readme, re.M):
            problems.append(f"{name}: no row in the alerts table of rules/README.md")
        if f"| [{name}]({name}.md) |" not in runbooks_readme:
            problems.append(f"{name}: no row in the table of docs/runbooks/README.md")
        if name not in fired:
            problems.append(f"{name}: no promtool case in rules/tests/ where it fires")
        if name not in routed:
            problems.append(f"{name}: no routing case in alertmanager/tests/routes.txt")
    for page in sorted((root / "docs" / "runbooks").glob("*.md")):
        if page.stem not in alerts and page.name != "README.md":
            problems.append(f"docs/runbooks/{page.name}: no alert of that name")

    for p in problems:
        print("FAIL", p)
    print(f"{len(alerts)} alerts, {len(records)} recording rules, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
