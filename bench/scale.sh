#!/usr/bin/env bash
# How cost grows with the estate: validate, render and plan (simulated transport) for 50, 200, 1,000 and 5,000 hosts.
# Prints time per host and peak memory per size, flags any step that grows faster than linearly; writes bench/results/scale.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
dotnet run -c Release --project bench/Datalyptica.Bench -- --scale --json "$PWD/bench/results/scale.json" "$@"
