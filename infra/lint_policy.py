#!/usr/bin/env python3
"""Policy checks for infra/, run by infra/lint.sh with its tool venv's Python.

    lint_policy.py dockerfile   infra/Dockerfile
    lint_policy.py compose      <json from `docker compose config --format json`> <profile>
    lint_policy.py k8s          infra/k8s/*.yaml
    lint_policy.py configmap    infra/k8s/configmap.yaml showroom.toml infra/k8s/deployment.yaml
    lint_policy.py metrics      infra/prometheus/alerts.yml <repo root>

Each prints what it checked and exits 1 on the first list of problems.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
import tomllib

import yaml

problems: list[str] = []


def fail(msg: str) -> None:
    problems.append(msg)


def note(msg: str) -> None:
    print(f"   - {msg}")


def image_tag_ok(ref: str) -> bool:
    """An explicit tag (or digest) that is not `latest`."""
    if "@sha256:" in ref:
        return True
    name = ref.rsplit("/", 1)[-1]
    if ":" not in name:
        return False
    tag = name.split(":", 1)[1]
    return tag != "latest" and tag != ""


def check_dockerfile(path: str) -> None:
    from dockerfile_parse import DockerfileParser

    df = DockerfileParser(path=path)
    instrs = df.structure
    args = {}
    for i in instrs:
        if i["instruction"] == "ARG" and "=" in i["value"]:
            k, v = i["value"].split("=", 1)
            args[k.strip()] = v.strip()
    stages: list[list[dict]] = []
    for i in instrs:
        if i["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(i)
    note(f"{len(stages)} stages parsed")
    if len(stages) < 2:
        fail("expected a multi-stage build")

    stage_names = set()
    for st in stages:
        words = st[0]["value"].split()
        ref = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
        if len(words) >= 3 and words[1].upper() == "AS":
            stage_names.add(words[2])
        if ref in stage_names:
            continue
        if "${" in ref:
            fail(f"FROM {words[0]}: unresolved build arg")
        elif not image_tag_ok(ref):
            fail(f"FROM {ref}: needs an explicit tag other than latest")
        else:
            note(f"base image {ref}")

    final = stages[-1]

    def last(kind: str) -> dict | None:
        found = [i for i in final if i["instruction"] == kind]
        return found[-1] if found else None

    user = last("USER")
    if user is None:
        fail("final stage has no USER (would run as root)")
    else:
        name = user["value"].split(":")[0].strip()
        if name in ("root", "0"):
            fail(f"final stage USER is {name}")
        else:
            note(f"runs as USER {user['value']}")
    hc = last("HEALTHCHECK")
    if hc is None or "/healthz" not in hc["value"]:
        fail("final stage needs a HEALTHCHECK on /healthz")
    else:
        note("HEALTHCHECK probes /healthz")
    exposed = " ".join(i["value"] for i in final if i["instruction"] == "EXPOSE").split()
    for port in ("8080/tcp", "7882/udp"):
        if port not in exposed:
            fail(f"EXPOSE {port} missing")
    note(f"EXPOSE {' '.join(exposed)}")
    ep = last("ENTRYPOINT")
    if ep is None or json.loads(ep["value"]) != ["showroom", "serve"]:
        fail('ENTRYPOINT must be ["showroom", "serve"] (exec form)')
    else:
        note('ENTRYPOINT ["showroom", "serve"]')
    envs = " ".join(i["value"] for i in final if i["instruction"] == "ENV")
    m = re.search(r"SHOWROOM_WEB_DIR=(\S+)", envs)
    copies = [i["value"] for i in final if i["instruction"] == "COPY"]
    if not m:
        fail("SHOWROOM_WEB_DIR is not set in the final stage")
    elif not any(c.split()[-1].rstrip("/") == m.group(1).rstrip("/") for c in copies):
        fail(f"nothing is copied to SHOWROOM_WEB_DIR={m.group(1)}")
    else:
        note(f"pages copied to SHOWROOM_WEB_DIR={m.group(1)}")
    ignore = pathlib.Path(path + ".dockerignore")
    if not ignore.exists():
        fail(f"{ignore} missing (the build context is the repo root)")
    else:
        lines = {ln.strip() for ln in ignore.read_text().splitlines()}
        for must in ("**/target", "**/node_modules", ".git"):
            if must not in lines:
                fail(f"{ignore.name} should exclude {must}")
        note(f"{ignore.name} excludes target/, node_modules/, .git")


def check_compose(json_path: str, profile: str) -> None:
    cfg = json.loads(pathlib.Path(json_path).read_text())
    services = cfg.get("services", {})
    expected = {"showroom", "prometheus"}
    if profile == "cluster":
        expected |= {"postgres", "redis", "showroom-a", "showroom-b"}
    if set(services) != expected:
        fail(f"profile {profile}: services {sorted(services)} != {sorted(expected)}")
    note(f"profile {profile}: services {', '.join(sorted(services))}")
    udp_host_ports = []
    for name, svc in services.items():
        image = svc.get("image", "")
        if not image_tag_ok(image):
            fail(f"{name}: image {image!r} needs an explicit tag other than latest")
        if "healthcheck" not in svc:
            fail(f"{name}: no healthcheck")
        if not name.startswith("showroom"):
            continue
        env = svc.get("environment") or {}
        bind = env.get("SHOWROOM_UDP_BIND", "0.0.0.0:7882")
        bind_port = int(bind.rsplit(":", 1)[1])
        udp = [p for p in svc.get("ports", []) if p.get("protocol") == "udp"]
        if len(udp) != 1:
            fail(f"{name}: expected one published UDP port, found {len(udp)}")
            continue
        target, published = int(udp[0]["target"]), int(udp[0]["published"])
        # ICE candidates carry the bound port; the host must forward that same number.
        if not (target == published == bind_port):
            fail(f"{name}: UDP bind {bind_port}, container {target}, host {published} must all match")
        udp_host_ports.append(published)
        if "SHOWROOM_PUBLIC_IP" not in env:
            fail(f"{name}: SHOWROOM_PUBLIC_IP not set")
        if name != "showroom":
            for var in ("SHOWROOM_DATABASE_URL", "SHOWROOM_REDIS_URL", "SHOWROOM_TOKEN_SECRET"):
                if var not in env:
                    fail(f"{name}: {var} not passed")
        note(f"{name}: image {image}, udp {bind_port} published as {published}, public ip {env.get('SHOWROOM_PUBLIC_IP')}")
    if len(set(udp_host_ports)) != len(udp_host_ports):
        fail(f"profile {profile}: UDP host ports clash: {udp_host_ports}")


REQUIRED_DOC_KEYS = ("apiVersion", "kind")


def k8s_docs(paths: list[str]):
    for p in paths:
        for n, doc in enumerate(yaml.safe_load_all(pathlib.Path(p).read_text())):
            if doc is not None:
                yield p, n, doc


def check_k8s(paths: list[str]) -> None:
    count = 0
    for p, n, doc in k8s_docs(paths):
        count += 1
        where = f"{pathlib.Path(p).name}#{n}"
        for key in REQUIRED_DOC_KEYS:
            if not doc.get(key):
                fail(f"{where}: missing {key}")
        name = (doc.get("metadata") or {}).get("name")
        if not name:
            fail(f"{where}: missing metadata.name")
        note(f"{where}: {doc.get('apiVersion')} {doc.get('kind')} {name}")
        if doc.get("kind") != "Deployment":
            continue
        spec = doc["spec"]["template"]["spec"]
        for c in spec.get("containers", []):
            cname = c.get("name")
            if not image_tag_ok(c.get("image", "")):
                fail(f"{where} {cname}: image needs an explicit tag other than latest")
            for probe in ("readinessProbe", "livenessProbe"):
                path = ((c.get(probe) or {}).get("httpGet") or {}).get("path")
                if path != "/healthz":
                    fail(f"{where} {cname}: {probe} should GET /healthz")
            req = (c.get("resources") or {}).get("requests") or {}
            if not {"cpu", "memory"} <= set(req):
                fail(f"{where} {cname}: resources.requests needs cpu and memory")
            env = {e["name"]: e for e in c.get("env", [])}
            secret = ((env.get("SHOWROOM_TOKEN_SECRET") or {}).get("valueFrom") or {}).get("secretKeyRef")
            if not secret:
                fail(f"{where} {cname}: SHOWROOM_TOKEN_SECRET must come from a Secret")
            ip = ((env.get("SHOWROOM_PUBLIC_IP") or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath")
            if spec.get("hostNetwork") and ip != "status.hostIP":
                fail(f"{where} {cname}: with hostNetwork, SHOWROOM_PUBLIC_IP should be status.hostIP")
            if not (c.get("securityContext") or {}).get("allowPrivilegeEscalation") is False:
                fail(f"{where} {cname}: set allowPrivilegeEscalation: false")
        if not (spec.get("securityContext") or {}).get("runAsNonRoot"):
            fail(f"{where}: pod securityContext.runAsNonRoot should be true")
    if count == 0:
        fail("no Kubernetes documents found")


def toml_keys(doc: dict) -> set[str]:
    return {f"{section}.{key}" for section, table in doc.items() for key in table}


def check_configmap(cm_path: str, sample_path: str, deployment_path: str) -> None:
    docs = [d for _, _, d in k8s_docs([cm_path]) if d.get("kind") == "ConfigMap"]
    text = docs[0]["data"]["showroom.toml"]
    cfg = tomllib.loads(text)
    sample = tomllib.loads(pathlib.Path(sample_path).read_text())
    # The sample shows every key; public_ip is the one it leaves commented out.
    known = toml_keys(sample) | {"sfu.public_ip"}
    unknown = sorted(toml_keys(cfg) - known)
    if unknown:
        fail(f"ConfigMap showroom.toml has keys the binary rejects: {unknown}")
    note(f"showroom.toml parses; {len(toml_keys(cfg))} keys, all known to {pathlib.Path(sample_path).name}")
    udp_port = int(cfg.get("sfu", {}).get("udp_bind", "0.0.0.0:7882").rsplit(":", 1)[1])
    ports = []
    for _, _, d in k8s_docs([deployment_path]):
        if d.get("kind") == "Deployment":
            for c in d["spec"]["template"]["spec"]["containers"]:
                ports += [p["containerPort"] for p in c.get("ports", []) if p.get("protocol") == "UDP"]
    if ports != [udp_port]:
        fail(f"deployment UDP containerPort {ports} != sfu.udp_bind port {udp_port}")
    else:
        note(f"deployment UDP port {udp_port} matches sfu.udp_bind")


def check_metrics(alerts_path: str, repo: str) -> None:
    text = pathlib.Path(alerts_path).read_text()
    rules = yaml.safe_load(text)
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    names = sorted({m for e in exprs for m in re.findall(r"\bshowroom_[a-z0-9_]+", e)})
    sources = [p.read_text() for d in ("crates", "signaling") for p in pathlib.Path(repo, d).rglob("*.rs")]
    for name in names:
        if not any(f'"{name}"' in s for s in sources):
            fail(f"alerts.yml uses {name}, which no crate registers")
    note(f"{len(exprs)} alert expressions; metrics {', '.join(names)} all registered in the crates")


def main() -> int:
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "dockerfile": check_dockerfile,
        "compose": check_compose,
        "k8s": lambda *a: check_k8s(list(a)),
        "configmap": check_configmap,
        "metrics": check_metrics,
    }[cmd](*args)
    for p in problems:
        print(f"   ! {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
