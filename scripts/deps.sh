#!/usr/bin/env bash
# Installs the Debian 12 packages that rdnsd needs to build, test and benchmark.
# Idempotent: packages already installed are skipped, and `apt-get update` runs only when
# something is missing. Non-interactive; uses sudo only when not run as root.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang-format
  # the fuzzer (scripts/fuzz.sh): clang with libFuzzer
  clang libclang-rt-14-dev
  libldns-dev libuv1-dev liblmdb-dev libyaml-cpp-dev doctest-dev nlohmann-json3-dev
  # tests: the include-layering check (python3), another local user for the admin
  # socket's access test (setpriv)
  python3 util-linux
  # tests and benchmarks: clients and reference servers
  bind9-dnsutils knot-dnsutils knot nsd unbound dnsperf ldnsutils lmdb-utils
  # zone-file checkers for exports: named-checkzone, kzonecheck
  bind9-utils knot-dnssecutils
  # secondaries in the replication interop tests (knot and nsd above): BIND's named
  bind9
  # DHCP DDNS client for the UPDATE tests
  kea-dhcp-ddns-server
  # the HTTP server (with TLS through GnuTLS), systemd notification, dnstap
  libmicrohttpd-dev libgnutls28-dev gnutls-bin libsystemd-dev
  libfstrm-dev fstrm-bin libprotobuf-c-dev protobuf-c-compiler
  # the web page's browser test
  chromium chromium-driver python3-selenium
  # the OpenAPI check of the HTTP answers
  python3-jsonschema python3-yaml
  # man pages and the Debian package
  scdoc debhelper dpkg-dev fakeroot lintian
)

is_installed() {
  dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
