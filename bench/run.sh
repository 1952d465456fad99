#!/usr/bin/env bash
# Foundation benchmarks: init + validate of the production profile, validate of generated 1,000 / 5,000-host sites,
# and the CLI end to end. Prints medians; writes bench/results/foundation.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
dotnet build src/Datalyptica.Cli -c Release --nologo -v q -o out/cli >/dev/null
dotnet run -c Release --project bench/Datalyptica.Bench -- --cli "$PWD/out/cli/datalyptica" --json "$PWD/bench/results/foundation.json" "$@"
