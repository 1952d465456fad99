#!/usr/bin/env bash
# Runs every test project and ends with one line: "N passed, N failed[, N skipped]".
# Extra arguments go to `dotnet test` (for example --filter "FullyQualifiedName~Vault").
set -uo pipefail
cd "$(dirname "$0")"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet test Datalyptica.slnx --nologo --logger "trx" --results-directory "$results" "$@"
rc=$?
passed=0 failed=0 skipped=0 total=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$((total + $(get total)))
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  # The trx counters leave notExecuted at 0 for skipped tests; they are the ones not executed.
  skipped=$((skipped + $(get total) - $(get executed)))
done
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
# A run that executed nothing must not look green.
if [ "$total" -eq 0 ]; then echo "no tests ran" >&2; exit 1; fi
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
