#!/usr/bin/env python3
"""Offline checks of docker-compose.yml and the files it mounts (deploy/README.md, "Checks").

    compose_check.py CHECK [--root DIR] [--compose FILE]
    compose_check.py self-test CHECK

CHECK is one of: compose-config, mounts, promtool, amtool, prom-pair, am-cluster, health-restart,
exporter-config. Each prints what it checked and exits 0 (pass), 1 (fail) or 77 (a tool is
missing: skipped, with the reason). `self-test CHECK` runs CHECK on mutated copies (each mutation
must make it fail) and on the unmutated copy (which must pass).

The checks read the file as docker-compose 1.29 resolves it (`docker-compose config`: anchors,
extension fields and short syntaxes expanded, relative paths made absolute against the project
directory), so a copy in a temporary directory is checked against the repository with
--project-directory.
"""
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # the checks need it; say so and skip
    print("SKIP: python3-yaml is not installed (bash scripts/install-deps)")
    sys.exit(77)

SKIP = 77
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Absolute host paths a service may bind-mount, with the reason; anything else must come from the
# repository or from deploy/make-secrets.
HOST_PATHS = {"/": "node-exporter reads the host's filesystems (read-only), as node_exporter's README says"}
# Services without a healthcheck, with the reason (none today).
NO_HEALTHCHECK = {}
RESTART_POLICIES = {"unless-stopped", "always"}


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def need(tool, package):
    path = shutil.which(os.environ.get(tool.upper().replace("-", "_"), tool))
    if not path:
        raise Skip(f"{tool} not found (Debian package {package}: bash scripts/install-deps)")
    return path


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120, **kw)


def resolved(compose, root):
    tool = need("docker-compose", "docker-compose")
    r = run([tool, "-f", compose, "--project-directory", root, "config"])
    if r.returncode != 0:
        raise Fail("docker-compose config failed:\n" + r.stdout)
    return yaml.safe_load(r.stdout)


def binds(service):
    """(source, target) of every bind mount of a resolved service."""
    out = []
    for v in service.get("volumes", []):
        if isinstance(v, str):  # short syntax survives in some 1.29 outputs
            parts = v.split(":")
            if parts[0].startswith((".", "/")):
                out.append((parts[0], parts[1]))
        elif v.get("type") == "bind":
            out.append((v["source"], v["target"]))
    return out


def flag(service, name):
    """Every value of --name=VALUE in the service's command."""
    cmd = service.get("command") or []
    if isinstance(cmd, str):
        cmd = cmd.split()
    return [a.split("=", 1)[1] for a in cmd if a.startswith(f"--{name}=")]


def image_services(doc, prefix):
    return {n: s for n, s in doc["services"].items() if s.get("image", "").split(":")[0] == prefix}


def host_path(service, container_path):
    """The host path of container_path through the service's bind mounts (longest target wins)."""
    best = None
    for src, dst in binds(service):
        if container_path == dst or container_path.startswith(dst.rstrip("/") + "/"):
            if best is None or len(dst) > len(best[1]):
                best = (src, dst)
    if best is None:
        return None
    return best[0] + container_path[len(best[1]):]


def secret_names(tmp):
    """What deploy/make-secrets generates, in tmp/secrets."""
    r = run(["bash", os.path.join(ROOT, "deploy", "make-secrets"), os.path.join(tmp, "secrets")])
    if r.returncode != 0:
        raise Fail("deploy/make-secrets failed:\n" + r.stdout)
    return os.path.join(tmp, "secrets"), sorted(os.listdir(os.path.join(tmp, "secrets")))


# --- the checks -----------------------------------------------------------------------------

def check_compose_config(compose, root, tmp):
    tool = need("docker-compose", "docker-compose")
    r = run([tool, "-f", compose, "--project-directory", root, "config", "-q"])
    if r.returncode != 0:
        raise Fail("docker-compose config -q:\n" + r.stdout)
    print("docker-compose config -q: OK")


def check_mounts(compose, root, tmp):
    doc = resolved(compose, root)
    secrets_dir = os.path.join(root, "deploy", "secrets")
    _, generated = secret_names(tmp)
    problems, n = [], 0
    for name, s in doc["services"].items():
        for src, dst in binds(s):
            n += 1
            if src in HOST_PATHS:
                continue
            if not src.startswith(root + "/"):
                problems.append(f"{name}: {src} -> {dst} is outside the repository and not an allowed host path")
            elif not os.path.exists(src):
                problems.append(f"{name}: {src} -> {dst} does not exist in the repository")
    for sname, spec in (doc.get("secrets") or {}).items():
        n += 1
        src = spec.get("file", "")
        if os.path.dirname(src) != secrets_dir:
            problems.append(f"secret {sname}: {src} is not under deploy/secrets/ (where make-secrets writes)")
        elif os.path.basename(src) not in generated:
            problems.append(f"secret {sname}: deploy/make-secrets does not generate {os.path.basename(src)} "
                            f"(it generates {', '.join(generated)})")
    if problems:
        raise Fail("\n".join(problems))
    print(f"mounts: {n} bind sources and secret files exist or are generated by deploy/make-secrets: OK")


def check_promtool(compose, root, tmp):
    promtool = need("promtool", "prometheus")
    doc = resolved(compose, root)
    proms = image_services(doc, "prom/prometheus")
    if not proms:
        raise Fail("no prom/prometheus service")
    for name, s in sorted(proms.items()):
        cfg_path = (flag(s, "config.file") or ["/etc/prometheus/prometheus.yml"])[0]
        src = host_path(s, cfg_path)
        if not src or not os.path.isfile(src):
            raise Fail(f"{name}: {cfg_path} is not a mounted file")
        cfg = yaml.safe_load(open(src))
        # The documented transformation: each rule_files path inside the container becomes its
        # host path through the service's own bind mounts.
        rules = []
        for pattern in cfg.get("rule_files", []):
            hp = host_path(s, pattern)
            if hp is None:
                raise Fail(f"{name}: rule_files {pattern} is not under a mount of the service")
            rules.append(hp)
        cfg["rule_files"] = rules
        out = os.path.join(tmp, f"{name}.yml")
        with open(out, "w") as f:
            yaml.safe_dump(cfg, f)
        r = run([promtool, "check", "config", out])
        found = re.search(r"SUCCESS: (\d+) rule files found", r.stdout)
        if r.returncode != 0:
            raise Fail(f"{name}: promtool check config:\n{r.stdout}")
        if not found or int(found.group(1)) == 0:
            raise Fail(f"{name}: its rule_files {rules} match no rule file:\n{r.stdout}")
        print(f"{name}: promtool check config OK, {found.group(1)} rule files checked")


def check_amtool(compose, root, tmp):
    amtool = need("amtool", "prometheus-alertmanager")
    doc = resolved(compose, root)
    ams = image_services(doc, "prom/alertmanager")
    if not ams:
        raise Fail("no prom/alertmanager service")
    exporter = doc["services"].get("exporter", {})
    control = (flag(exporter, "control.listen-address") or [""])[0]
    for name, s in sorted(ams.items()):
        entry = s.get("entrypoint") or []
        script = next((host_path(s, a) for a in entry if a.endswith("start.sh")), None)
        shipped = host_path(s, "/etc/alertmanager/shipped/alertmanager.yml")
        templates = host_path(s, "/etc/alertmanager/templates")
        if not script or not shipped or not templates:
            raise Fail(f"{name}: needs start.sh as entrypoint, the shipped config at "
                       "/etc/alertmanager/shipped/alertmanager.yml and templates at /etc/alertmanager/templates")
        d = os.path.join(tmp, name)
        os.makedirs(d)
        os.symlink(templates, os.path.join(d, "templates"))
        rendered = os.path.join(d, "alertmanager.yml")
        r = run(["sh", script, "--render-only"], env=dict(os.environ, SHIPPED=shipped, RENDERED=rendered))
        if r.returncode != 0:
            raise Fail(f"{name}: start.sh --render-only:\n{r.stdout}")
        for path in (shipped, rendered):
            r = run([amtool, "check-config", path])
            if r.returncode != 0 or "Found:" not in r.stdout:
                raise Fail(f"{name}: amtool check-config {path}:\n{r.stdout}")
        # The rendered webhook reaches the exporter's control port.
        urls = re.findall(r"url: (http://[^\s]+/api/alerts/webhook)", open(rendered).read())
        want = f"http://exporter:{control.rsplit(':', 1)[-1]}/api/alerts/webhook"
        if not urls or any(u != want for u in urls):
            raise Fail(f"{name}: the rendered webhook URLs {urls} are not {want} (the exporter's "
                       f"--control.listen-address={control})")
    print(f"amtool check-config OK for {', '.join(sorted(ams))} (shipped and rendered); webhook -> exporter control port")


def check_prom_pair(compose, root, tmp):
    doc = resolved(compose, root)
    proms = image_services(doc, "prom/prometheus")
    if len(proms) != 2:
        raise Fail(f"expected two prom/prometheus services, found {sorted(proms)}")
    cfgs = {}
    for name, s in proms.items():
        cfg_path = (flag(s, "config.file") or ["/etc/prometheus/prometheus.yml"])[0]
        cfgs[name] = yaml.safe_load(open(host_path(s, cfg_path)))
    (a, ca), (b, cb) = sorted(cfgs.items())
    ra = ca.get("global", {}).get("external_labels", {}).get("replica")
    rb = cb.get("global", {}).get("external_labels", {}).get("replica")
    if not ra or not rb or ra == rb:
        raise Fail(f"external_labels.replica must be set and differ: {a}={ra!r}, {b}={rb!r}")
    sa, sb = copy.deepcopy(ca), copy.deepcopy(cb)
    del sa["global"]["external_labels"]["replica"]
    del sb["global"]["external_labels"]["replica"]
    if sa != sb:
        diff = [k for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)]
        raise Fail(f"{a} and {b} differ beyond replica, in: {', '.join(diff)}")
    drops = [c for c in ca.get("alerting", {}).get("alert_relabel_configs", [])
             if c.get("action") == "labeldrop" and re.fullmatch(c.get("regex", ""), "replica")]
    if not drops:
        raise Fail("alerting.alert_relabel_configs does not labeldrop replica: each replica's alerts would notify")
    ams = {f"{n}:9093" for n in image_services(doc, "prom/alertmanager")}
    targets = {t for am in ca.get("alerting", {}).get("alertmanagers", [])
               for sc in am.get("static_configs", []) for t in sc.get("targets", [])}
    if targets != ams:
        raise Fail(f"alerting targets {sorted(targets)} are not every Alertmanager service {sorted(ams)}")
    jobs = {j["job_name"]: j for j in ca.get("scrape_configs", [])}
    for job in ("usdcop_exporter", "alertmanager", "node", "prometheus"):
        if job not in jobs:
            raise Fail(f"scrape job {job} missing")
    web = (flag(doc["services"]["exporter"], "web.listen-address") or [":9812"])[0]
    want = f"exporter:{web.rsplit(':', 1)[-1]}"
    got = {t for sc in jobs["usdcop_exporter"].get("static_configs", []) for t in sc.get("targets", [])}
    if got != {want}:
        raise Fail(f"job usdcop_exporter scrapes {sorted(got)}, not the exporter service {want}")
    print(f"{a} and {b}: identical but replica ({ra}, {rb}); replica dropped from alerts; "
          f"alerts to {len(ams)} Alertmanagers; jobs {', '.join(sorted(jobs))}: OK")


def check_am_cluster(compose, root, tmp):
    doc = resolved(compose, root)
    ams = image_services(doc, "prom/alertmanager")
    if len(ams) < 3:
        raise Fail(f"a cluster of at least three Alertmanagers expected, found {sorted(ams)}")
    ports = {}
    for name, s in ams.items():
        listen = flag(s, "cluster.listen-address")
        if not listen or not listen[0] or ":" not in listen[0]:
            raise Fail(f"{name}: no --cluster.listen-address HOST:PORT (the cluster listener is off)")
        ports[name] = listen[0].rsplit(":", 1)[1]
    edges, problems = {n: set() for n in ams}, []
    for name, s in ams.items():
        for peer in flag(s, "cluster.peer"):
            host, _, port = peer.rpartition(":")
            if host not in ams:
                problems.append(f"{name}: --cluster.peer={peer} names no Alertmanager service")
            elif port != ports[host]:
                problems.append(f"{name}: --cluster.peer={peer}: {host} listens for the cluster on {ports[host]}")
            elif host == name:
                problems.append(f"{name}: peers with itself")
            else:
                edges[name].add(host)
    for start in ams:  # every node reaches every other along --cluster.peer (directed)
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        if seen != set(ams):
            problems.append(f"{start} does not reach {', '.join(sorted(set(ams) - seen))} through --cluster.peer")
    if problems:
        raise Fail("\n".join(problems))
    print(f"Alertmanager cluster {', '.join(sorted(ams))}: one connected cluster, peers on the cluster ports: OK")


def check_health_restart(compose, root, tmp):
    doc = resolved(compose, root)
    problems = []
    for name, s in sorted(doc["services"].items()):
        hc = s.get("healthcheck")
        if (not hc or hc.get("disable") or hc.get("test") in (["NONE"], "NONE")) and name not in NO_HEALTHCHECK:
            problems.append(f"{name}: no healthcheck (add one, or the reason to NO_HEALTHCHECK)")
        if s.get("restart") not in RESTART_POLICIES:
            problems.append(f"{name}: restart is {s.get('restart')!r}, not one of {sorted(RESTART_POLICIES)}")
    if problems:
        raise Fail("\n".join(problems))
    print(f"{len(doc['services'])} services: each with a healthcheck and restart policy: OK")


def check_exporter_config(compose, root, tmp):
    exporter_bin = os.environ.get("USDCOP_EXPORTER_BIN", os.path.join(root, "build", "exporter", "usdcop_exporter"))
    if not os.access(exporter_bin, os.X_OK):
        raise Skip(f"{exporter_bin} is not built (cmake --build build --target usdcop_exporter)")
    doc = resolved(compose, root)
    s = doc["services"]["exporter"]
    script = next((host_path(s, a) for a in s.get("entrypoint") or [] if a.endswith("start.sh")), None)
    template = host_path(s, "/etc/usdcop_exporter/config.yml")
    if not script or not template:
        raise Fail("exporter: needs start.sh as entrypoint and the template at /etc/usdcop_exporter/config.yml")
    secrets, _ = secret_names(tmp)
    raw = os.path.join(tmp, "rendered.yml")
    r = run(["sh", script, "--render-only"],
            env=dict(os.environ, TEMPLATE=template, RENDERED=raw, SECRETS_DIR=secrets))
    if r.returncode != 0:
        raise Fail("exporter: start.sh --render-only:\n" + r.stdout)
    text = open(raw).read()
    left = [line for line in text.splitlines() if "@sha256:" in line and not line.lstrip().startswith("#")]
    if left:
        raise Fail("exporter: a placeholder is left after rendering: " + "; ".join(left))
    # The documented transformation for the check: the container's secret and data paths become
    # the test's (the config check reads the files a section names).
    data = os.path.join(tmp, "data")
    os.makedirs(os.path.join(data, "ready-signals"))
    os.makedirs(os.path.join(data, "backups", "l0"))
    os.makedirs(os.path.join(data, "backups", "l1"))
    text = text.replace("/run/secrets/", secrets + "/").replace("/data/", data + "/") \
               .replace("/var/lib/usdcop_exporter/", tmp + "/")
    checked = os.path.join(tmp, "config.yml")
    open(checked, "w").write(text)
    r = run([exporter_bin, "--config.check", "--config.file=" + checked])
    if r.returncode != 0:
        raise Fail("exporter: usdcop_exporter --config.check on the rendered config:\n" + r.stdout)
    import hashlib
    token = open(os.path.join(secrets, "webhook_token")).read().strip()
    if hashlib.sha256(token.encode()).hexdigest() not in text:
        raise Fail("exporter: the rendered config lacks the SHA-256 of the webhook token")
    print("exporter: deploy/exporter/config.yml rendered by start.sh passes usdcop_exporter --config.check, "
          "with the webhook token's SHA-256: OK")


CHECKS = {
    "compose-config": check_compose_config,
    "mounts": check_mounts,
    "promtool": check_promtool,
    "amtool": check_amtool,
    "prom-pair": check_prom_pair,
    "am-cluster": check_am_cluster,
    "health-restart": check_health_restart,
    "exporter-config": check_exporter_config,
}


# --- self-tests: each mutation of a copy must make its check fail ---------------------------

def copy_file(tmp, rel, edit):
    """A copy of the repository's file rel, edited (text -> text); its absolute path."""
    src = os.path.join(ROOT, rel)
    dst = os.path.join(tmp, "mut-" + os.path.basename(rel))
    text = open(src).read()
    new = edit(text)
    if new == text:
        raise Fail(f"self-test: the mutation of {rel} changed nothing (the file changed: update the self-test)")
    open(dst, "w").write(new)
    return dst


def sub(pattern, repl, count=1):
    def edit(text):
        return re.sub(pattern, repl, text, count=count, flags=re.M)
    return edit


def compose_mutations(tmp):
    """check -> [(what, compose text edit)]."""
    pa = lambda e: copy_file(tmp, "deploy/prometheus/prometheus-a.yml", e)
    am = lambda e: copy_file(tmp, "alertmanager/alertmanager.yml", e)
    ex = lambda e: copy_file(tmp, "deploy/exporter/config.yml", e)
    empty = os.path.join(tmp, "empty-rules")
    os.makedirs(empty, exist_ok=True)
    return {
        "compose-config": [
            ("a misspelt key", "restrat", sub(r"^(    )restart: \*restart$", r"\1restrat: *restart")),
            ("an undefined depends_on", "no-such-service", sub(r"^(  exporter:\n)", r"\1    depends_on: [no-such-service]\n")),
        ],
        "mounts": [
            ("a bind source missing from the repository", "no-such-file.yml",
             sub(r"\./deploy/prometheus/prometheus-a\.yml:", "./deploy/prometheus/no-such-file.yml:")),
            ("a secret make-secrets does not generate", "smtp_pw", sub(r"\./deploy/secrets/smtp_password", "./deploy/secrets/smtp_pw")),
            ("a host path nobody allowed", "/etc ", sub(r"^(      - pipeline-data:/data)$", r"\1\n      - /etc:/host-etc:ro")),
        ],
        "promtool": [
            ("an invalid Prometheus config", "15 seconds", lambda t: t.replace(
                "./deploy/prometheus/prometheus-a.yml:",
                pa(sub(r"^  scrape_interval: 15s$", "  scrape_interval: 15 seconds")) + ":")),
            ("rule_files that match nothing", "match no rule file", lambda t: t.replace(
                "      - ./rules:/etc/prometheus/rules:ro", f"      - {empty}:/etc/prometheus/rules:ro", 1)),
        ],
        "amtool": [
            ("a route to an undefined receiver", "pager", lambda t: t.replace(
                "./alertmanager/alertmanager.yml:", am(sub(r"^(      receiver: )critical$", r"\1pager")) + ":", 1)),
            ("a shipped config without the webhook URL start.sh rewrites", "no longer holds", lambda t: t.replace(
                "./alertmanager/alertmanager.yml:", am(sub(r"http://127\.0\.0\.1:9813/", "http://127.0.0.1:9999/")) + ":", 1)),
            ("the exporter's control port moved", "exporter:9814", sub(r'"--control\.listen-address=:9813"', '"--control.listen-address=:9814"')),
        ],
        "prom-pair": [
            ("a difference beyond replica", "differ beyond replica", lambda t: t.replace(
                "./deploy/prometheus/prometheus-a.yml:", pa(sub(r"^  evaluation_interval: 15s$", "  evaluation_interval: 30s")) + ":")),
            ("the same replica in both", "must be set and differ", lambda t: t.replace(
                "./deploy/prometheus/prometheus-a.yml:", pa(sub(r"^    replica: a$", "    replica: b")) + ":")),
            ("no labeldrop of replica", "does not labeldrop replica", lambda t: t.replace(
                "./deploy/prometheus/prometheus-a.yml:",
                pa(sub(r"^  alert_relabel_configs:\n    - action: labeldrop\n      regex: replica\n", "")) + ":")
                .replace("./deploy/prometheus/prometheus-b.yml:",
                         copy_file(tmp, "deploy/prometheus/prometheus-b.yml",
                                   sub(r"^  alert_relabel_configs:\n    - action: labeldrop\n      regex: replica\n", "")) + ":")),
            ("an Alertmanager not alerted (alertmanager-2 renamed)", "alerting targets", lambda t: re.sub(
                r"^  alertmanager-2:\n", "  alertmanager-3:\n", t, flags=re.M)
                .replace("alertmanager-2:9094", "alertmanager-3:9094")),
        ],
        "am-cluster": [
            ("no one names alertmanager-2 as a peer", "does not reach alertmanager-2",
             lambda t: t.replace(', "--cluster.peer=alertmanager-2:9094"]', "]")),
            ("a peer that is no service", "names no Alertmanager service", sub(r'"--cluster\.peer=alertmanager-1:9094"', '"--cluster.peer=alertmanager-9:9094"')),
            ("a peer on the wrong port", "listens for the cluster on 9094", sub(r'"--cluster\.peer=alertmanager-1:9094"', '"--cluster.peer=alertmanager-1:9093"')),
            ("no cluster listener", "cluster listener is off", sub(r'"--cluster\.listen-address=0\.0\.0\.0:9094",', '"--cluster.listen-address=",')),
        ],
        "health-restart": [
            ("a service without a healthcheck", "node-exporter: no healthcheck",
             sub(r"^    healthcheck:\n      test: \[\"CMD\", \"wget\", \"-q\", \"-O\", \"/dev/null\", \"http://127\.0\.0\.1:9100/metrics\"\]\n(      \w+: .*\n)+", "")),
            ("a service without a restart policy", "node-exporter: restart is None", sub(r"^(  node-exporter:\n(?:    .*\n|      .*\n)*?)    restart: \*restart\n", r"\1")),
        ],
        "exporter-config": [
            ("an unknown key in the exporter's config", "rate_limt", lambda t: t.replace(
                "./deploy/exporter/config.yml:", ex(sub(r"^  rate_limit: ", "  rate_limt: ")) + ":")),
            ("a placeholder for a secret make-secrets does not write", "ops_token", lambda t: t.replace(
                "./deploy/exporter/config.yml:", ex(sub(r"@sha256:operator_token@", "@sha256:ops_token@")) + ":")),
        ],
    }


def self_test(check):
    fn = CHECKS[check]
    compose_text = open(os.path.join(ROOT, "docker-compose.yml")).read()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        mutations = compose_mutations(tmp)[check]
        cases = [("the unmutated copy", "", lambda t: t, True)] + [(w, x, e, False) for w, x, e in mutations]
        for i, (what, expect, edit, should_pass) in enumerate(cases):
            case_dir = os.path.join(tmp, f"case{i}")
            os.makedirs(case_dir)
            new = edit(compose_text)
            if not should_pass and new == compose_text and "mut-" not in new:
                print(f"FAIL self-test {check}: mutation '{what}' changed nothing")
                failures += 1
                continue
            path = os.path.join(case_dir, "docker-compose.yml")
            open(path, "w").write(new)
            try:
                fn(path, ROOT, case_dir)
                passed, message = True, ""
            except Fail as e:
                passed, message = False, str(e)
            # A mutation counts as caught only when the failure names it: a failure for another
            # reason (another file missing, say) proves nothing about this check.
            why = next((line for line in message.splitlines() if expect and expect in line), "")
            if passed != should_pass or (not should_pass and not why):
                failures += 1
                print(f"FAIL self-test {check}: {what}: check {'passed' if passed else 'failed'}"
                      + (f" without naming {expect!r}:\n{message}" if not passed else ""))
            else:
                print(f"ok   self-test {check}: {what}" + ("" if should_pass else f" -> caught: {why}"))
    if failures:
        raise Fail(f"{failures} self-test case(s) wrong")


def main(argv):
    if len(argv) >= 2 and argv[0] == "self-test" and argv[1] in CHECKS:
        action = lambda: self_test(argv[1])
    elif len(argv) >= 1 and argv[0] in CHECKS:
        args = dict(zip(argv[1::2], argv[2::2]))
        root = os.path.abspath(args.get("--root", ROOT))
        compose = os.path.abspath(args.get("--compose", os.path.join(root, "docker-compose.yml")))
        def action():
            with tempfile.TemporaryDirectory() as tmp:
                CHECKS[argv[0]](compose, root, tmp)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        action()
    except Skip as e:
        print(f"SKIP: {e}")
        return SKIP
    except Fail as e:
        print(f"FAIL: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
