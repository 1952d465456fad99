#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for datalyptica: the packages its tests and lab need,
# and the .NET restore. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
packages=(ansible-core)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
dotnet restore Datalyptica.slnx --nologo -v q
