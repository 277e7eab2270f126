#!/usr/bin/env bash
# Installs the Debian packages ionsim needs, only those missing (idempotent).
# Usage: scripts/setup-deps.sh [build|bench|fuzz]
set -euo pipefail
pkgs=(build-essential cmake pkg-config libgtest-dev libbenchmark-dev librandom123-dev
      libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libnlopt-cxx-dev libnlopt-dev
      libfmt-dev libxsimd-dev python3-matplotlib python3-numpy libeigen3-dev ngspice libhdf5-dev python3-h5py
      python3-brian ccache zlib1g-dev python3-sklearn dataset-fashion-mnist python3-pyspike
      python3-nitime pybind11-dev python3-pytest openmpi-bin libopenmpi-dev)
if [ "${1:-build}" = bench ]; then
  pkgs+=(python3-torch libopenblas0-pthread git)
fi
if [ "${1:-build}" = fuzz ]; then
  pkgs+=(clang-14 libfuzzer-14-dev libclang-rt-14-dev libomp-14-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ionsim: installing Debian packages: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
