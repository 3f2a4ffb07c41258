#!/usr/bin/env bash
# Installs what mlmon needs from Debian 12 packages: build tools, libraries,
# and the test peers (prometheus with promtool, pushgateway, alertmanager;
# clang for the libFuzzer target; headless chromium, tidy and fonts for the
# report and dashboard pages' browser and HTML checks). Idempotent:
# only missing packages are installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git curl ca-certificates
  prometheus-cpp-dev libcivetweb-dev libspdlog-dev nlohmann-json3-dev libeigen3-dev
  libboost-math-dev libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev
  libyaml-cpp-dev zlib1g-dev
  clang libclang-rt-14-dev
  prometheus prometheus-pushgateway prometheus-alertmanager
  chromium tidy fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "setup: installing ${missing[*]}"
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Debian's prometheus packages would start system services; the tests start
# their own copies on free loopback ports, so keep the services from starting.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo_cmd[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
