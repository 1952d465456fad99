#!/usr/bin/env bash
# datalyptica vs ansible-core as the estate grows (issue 19). One command, as root:
#   bench/vs-ansible-scale.sh [--sizes "10 25 50"] [--runs N] [--first-runs N]
# Runs bench/vs-ansible.sh at each size (its own lab each time, taken down after), then joins the per-size results into
# bench/results/vs-ansible-scale.json and a cost-against-hosts chart, bench/results/vs-ansible-scale.svg (the 3-host run
# in bench/results/vs-ansible.json is added as the first point when it exists).
# datalyptica's apply keeps its default --parallel 10 (50 package installs at once on 2 cores ran past apply's 600 s
# step limit); Ansible gets forks = hosts. On this 2-core machine one Ansible no-op takes about 100 s at 10 hosts and
# 540 s at 50, and a 50-host first apply about 16 minutes for datalyptica: expect 3-4 hours at the default sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes="10 25 50"; runs=3; first_runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --first-runs) first_runs="$2"; shift ;;
    *) echo "usage: $0 [--sizes \"10 25 50\"] [--runs N] [--first-runs N]" >&2; exit 64 ;;
  esac; shift
done
inputs=()
[ -e bench/results/vs-ansible.json ] && inputs+=(bench/results/vs-ansible.json)
for n in $sizes; do
  echo "===== $n hosts ($(date -u +%H:%M:%S))"
  bench/vs-ansible.sh --hosts "$n" --runs "$runs" --first-runs "$first_runs" --parallel 10
  [ "$n" = 3 ] || inputs+=("bench/results/vs-ansible-${n}hosts.json")
done
python3 bench/ansible/report.py scale bench/results/vs-ansible-scale.json bench/results/vs-ansible-scale.svg "${inputs[@]}"
