#!/usr/bin/env bash
# datalyptica vs ansible-core on the lab's 3 hosts, same work (issue 7). One command, as root:
#   bench/vs-ansible.sh [--keep] [--runs N] [--first-runs N] [--name LAB] [--bridge BR] [--subnet A.B.C]
# Boots its own lab (`lab up --name bench --bridge dl-lab1 --subnet 10.78.0` by default: hosts lab01..03 on 10.78.0.11-13,
# so it runs beside the default lab on dl-lab0; it refuses a bridge another lab is using), builds its own offline repository (the OS base packages + python3-apt, which Ansible's apt module
# needs; datalyptica still installs exactly its own package list), renders the Ansible inputs with datalyptica, runs
#   (a) first apply on fresh hosts, (b) no-op re-apply, (c) chrony.conf drifted on every host -> restore + restart chrony,
#   (d) health check of every host (verify vs bench/ansible/health.yml, both warm), with datalyptica without its daemon,
#   `ansible -m ping` and raw parallel SSH (new connections) for reference,
# prints medians and ratios, writes bench/results/vs-ansible.json and .svg, and takes its lab down unless --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
keep=0; runs=5; first_runs=3; lab=bench; bridge=dl-lab1; subnet=10.78.0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --runs) runs="$2"; shift ;;
    --first-runs) first_runs="$2"; shift ;;  # 0 skips (a): hosts are converged once by datalyptica instead
    --name) lab="$2"; shift ;;
    --bridge) bridge="$2"; shift ;;
    --subnet) subnet="$2"; shift ;;
    *) echo "usage: $0 [--keep] [--runs N] [--first-runs N] [--name LAB] [--bridge BR] [--subnet A.B.C]" >&2; exit 64 ;;
  esac; shift
done
[ "$(id -u)" = 0 ] || { echo "vs-ansible.sh needs root (the lab boots hosts under systemd-nspawn). Fix: sudo $0" >&2; exit 1; }
command -v ansible-playbook >/dev/null || { echo "ansible-playbook not found. Fix: ./setup.sh (installs Debian's ansible-core)" >&2; exit 1; }

# lab up/down would add and delete a bridge another running lab depends on.
for state in /var/lib/datalyptica/lab/*/state.json; do
  [ -e "$state" ] || continue
  other=$(basename "$(dirname "$state")")
  [ "$other" = "$lab" ] && continue
  if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("bridge")==sys.argv[2] else 1)' "$state" "$bridge"; then
    echo "lab '$other' is up on bridge $bridge. Fix: pick another, e.g. --bridge dl-lab2 --subnet 10.79.0" >&2; exit 1
  fi
done
lab_args=(--name "$lab" --bridge "$bridge" --subnet "$subnet")
labdir=/var/lib/datalyptica/lab/$lab
site=$labdir/site
repo=/var/lib/datalyptica/lab/repository/bench
work="$root/bench/ansible/.work"
raw="$work/timings.tsv"
dl="$root/out/publish/datalyptica"
export ANSIBLE_CONFIG="$root/bench/ansible/ansible.cfg"
hosts=("$subnet.11" "$subnet.12" "$subnet.13")
serve_pid=""

# Timed as users run it: published for linux-x64, so ReadyToRun (precompiled) code, not a JIT-everything dev build.
dotnet publish src/Datalyptica.Cli -c Release -r linux-x64 --self-contained false --nologo -v q -o out/publish >/dev/null
rm -rf "$work"; mkdir -p "$work" bench/results; : > "$raw"

cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  if [ "$keep" = 0 ]; then "$dl" lab down "${lab_args[@]}" >/dev/null 2>&1 || true
  else echo "lab '$lab' kept: $dl lab ssh --name $lab lab01; site $site"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
# record CASE TOOL SECONDS
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$raw"; printf '  %-4s %-10s %6.2f s\n' "$1" "$2" "$3"; }
# timed CASE TOOL -- command...: runs it, fails the bench if it fails (a tool that errors has no time)
timed() {
  local case=$1 tool=$2; shift 3
  local t0 t1; t0=$(now)
  if ! "$@" > "$work/last.out" 2>&1; then echo "FAILED: $case $tool: $*" >&2; tail -40 "$work/last.out" >&2; exit 1; fi
  t1=$(now); record "$case" "$tool" "$(echo "$t1 - $t0" | bc)"
}

lab_fresh() {
  "$dl" lab down "${lab_args[@]}" >/dev/null 2>&1 || true
  "$dl" lab up "${lab_args[@]}" --hosts 3 --bare >/dev/null  # the OS base layer only, as the playbook
  # The bench's repository (OS base + python3-apt) instead of the shared os-base one; lab up rewrites the site.
  sed -i "s|^apt_repository_dir: .*|apt_repository_dir: $repo|" "$site/group_vars/all.yml"
}

ssh_opts=(-i "$labdir/id_ed25519" -o UserKnownHostsFile="$site/known_hosts" -o StrictHostKeyChecking=yes
          -o IdentitiesOnly=yes -o BatchMode=yes -o ControlPath=none -o ControlMaster=no)
on_all() { local pids=() h; for h in "${hosts[@]}"; do ssh "${ssh_opts[@]}" "root@$h" "$@" & pids+=($!); done
           local rc=0 p; for p in "${pids[@]}"; do wait "$p" || rc=1; done; return $rc; }

dl_apply() { "$dl" apply "$site" --layer prerequisites; }
ans_apply() { ansible-playbook -i "$site/hosts.yml" "$root/bench/ansible/os-base.yml"; }
# A no-op must be one: datalyptica's plan (exit 0 = nothing pending) and Ansible's recap (changed=0 everywhere).
check_noop() {
  "$dl" plan "$site" >/dev/null || { echo "datalyptica sees pending changes after convergence" >&2; exit 1; }
  ans_apply > "$work/check.out" 2>&1 || { tail -30 "$work/check.out" >&2; exit 1; }
  grep -E 'changed=[1-9]' "$work/check.out" && { echo "the Ansible playbook is not idempotent (see above)" >&2; exit 1; } || true
}

echo "== setup: lab '$lab', repository $repo (OS base + python3-apt)"
lab_fresh
"$dl" repo build "$site" --package python3-apt --out "$repo" >/dev/null
# Ansible's inputs: the files datalyptica renders for each host, and an apt source for the same served repository,
# signed with the site's key (the first plan makes SITE/pki/repository-key.asc). datalyptica keeps its source only
# for the duration of each install; Ansible's idiom is a persistent source, under names datalyptica does not manage.
"$dl" render "$site" --out "$work/files" >/dev/null
"$dl" plan "$site" --assume-empty -o json > "$work/plan.json" || [ $? = 2 ]
# Ansible's apt needs the repository served; datalyptica's apply serves it itself, so only around Ansible's first applies.
# lab_fresh writes a new site (and so a new signing key): the key files are written again each time it is served.
serve_start() {
  : > "$work/serve.log"
  "$dl" repo serve "$repo" --listen "$subnet.1:8080" --site "$site" >> "$work/serve.log" 2>&1 & serve_pid=$!
  for _ in $(seq 100); do grep -q '^serving ' "$work/serve.log" && break; sleep 0.1; done
  python3 "$root/bench/ansible/report.py" apt-files "$site" "http://$subnet.1:8080/" "$work/plan.json" "$work/files"
}
serve_stop() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""; }

echo "== (a) first apply on fresh hosts, $first_runs runs each (lab down/up before every run)"
for i in $(seq "$first_runs"); do
  lab_fresh; timed a datalyptica -- dl_apply
  lab_fresh; serve_start; timed a ansible -- ans_apply; serve_stop
done
[ "$first_runs" -gt 0 ] || { lab_fresh; dl_apply > "$work/converge.out" 2>&1 || { tail -30 "$work/converge.out" >&2; exit 1; }; serve_start; ans_apply > "$work/converge-ansible.out" 2>&1; serve_stop; }
# Hosts converged by Ansible; converge them with datalyptica too, then prove both see nothing to do.
dl_apply > "$work/converge.out" 2>&1 || { tail -30 "$work/converge.out" >&2; exit 1; }
check_noop

echo "== (b) no-op re-apply, $runs runs each"
for i in $(seq "$runs"); do timed b datalyptica -- dl_apply; timed b ansible -- ans_apply; done

echo "== (c) chrony.conf drifted on all 3 hosts -> restored + chrony restarted, $runs runs each"
for i in $(seq "$runs"); do
  for tool in datalyptica ansible; do
    on_all "echo '# drift $i' >> /etc/chrony/chrony.conf"
    if [ $tool = datalyptica ]; then timed c $tool -- dl_apply; else timed c $tool -- ans_apply; fi
    # Both must have restored the file and restarted chrony: datalyptica's journal, Ansible's handler.
    if [ $tool = datalyptica ]; then journal=$(sed -n 's/.*(journal: \(.*\))$/\1/p' "$work/last.out"); grep -q 'service:chrony' "$journal"
    else grep -q 'RUNNING HANDLER \[restart chrony\]' "$work/last.out"; fi || { echo "no chrony restart seen in $tool's run" >&2; exit 1; }
  done
done
check_noop

# (d) The same health check on both sides: datalyptica's `verify` of what the benchmark deploys (the OS base: units active,
# chrony's tracking, our nftables table, node exporter's /metrics) and bench/ansible/health.yml doing those checks the usual
# Ansible way. Both run warm, as a person checking a site again does: Ansible over its ControlPersist connections (its default),
# datalyptica through its daemon and the SSH sessions the daemon keeps (one warm-up run each first). For reference, not
# ratios of the same work: datalyptica without its daemon (new process, new connections), `ansible -m ping` (proves only SSH
# and Python), and raw parallel ssh with new connections running `true`.
echo "== (d) health check of every host, $runs runs each (after one warm-up run of each)"
dl_verify() { "$dl" verify "$site" --component os-base; }
ans_health() { ansible-playbook -i "$site/hosts.yml" "$root/bench/ansible/health.yml"; }
dl_verify > "$work/last.out" 2>&1 || { cat "$work/last.out" >&2; echo "verify is not healthy before (d)" >&2; exit 1; }
ans_health > "$work/last.out" 2>&1 || { tail -30 "$work/last.out" >&2; echo "health.yml fails before (d)" >&2; exit 1; }
for i in $(seq "$runs"); do
  timed d datalyptica -- dl_verify
  timed d ansible -- ans_health
  timed d datalyptica-cold -- env DATALYPTICA_DAEMON=off "$dl" verify "$site" --component os-base
  timed d ansible-ping -- ansible all -i "$site/hosts.yml" -m ping
  timed d ssh -- on_all true
done
"$dl" daemon status | sed 's/^/  /'

python3 "$root/bench/ansible/report.py" report "$raw" bench/results/vs-ansible.json bench/results/vs-ansible.svg
