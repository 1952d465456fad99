#!/usr/bin/env bash
# datalyptica vs ansible-core on lab hosts (3 by default), same work (issues 7 and 19). One command, as root:
#   bench/vs-ansible.sh [--keep] [--hosts N] [--runs N] [--first-runs N] [--first-tools "T..."] [--cases "b c d"] [--parallel N] [--name LAB] [--bridge BR] [--subnet A.B.C]
# Boots its own lab (`lab up --name bench --bridge dl-lab1 --subnet 10.78.0` by default: hosts lab01.. on 10.78.0.11..,
# so it runs beside the default lab on dl-lab0; it refuses a bridge another lab is using), builds its own offline repository (the OS base packages + python3-apt, which Ansible's apt module
# needs; datalyptica still installs exactly its own package list), renders the Ansible inputs with datalyptica, runs
#   (a) first apply on fresh hosts, and for reference the floor: the same `apt-get install` run by hand over ssh on all
#   hosts at once, (b) no-op re-apply, (c) chrony.conf drifted on every host -> restore + restart chrony,
#   (d) health check of every host (verify vs bench/ansible/health.yml, both warm), with datalyptica without its daemon,
#   `ansible -m ping` and raw parallel SSH (new connections) for reference,
# prints medians and ratios, writes bench/results/vs-ansible.json and .svg (vs-ansible-NNhosts.* for other sizes), and
# takes its lab down unless --keep. Both tools get the same parallelism, max(10, hosts) (`apply --parallel`, Ansible's
# forks), unless --parallel lowers datalyptica's.
# Every timed run also records the control node's CPU time (user + sys, children included: Ansible's ssh clients), and a
# traced no-op (DATALYPTICA_TRACE=1) says where datalyptica's time goes: handshakes, facts, plan.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
keep=0; runs=5; first_runs=3; lab=bench; bridge=dl-lab1; subnet=10.78.0; host_count=3
first_tools="datalyptica ansible apt-get-by-hand"
cases="b c d"
parallel=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --hosts) host_count="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --first-runs) first_runs="$2"; shift ;;  # 0 skips (a): hosts are converged once by datalyptica instead
    --first-tools) first_tools="$2"; shift ;;  # which of (a)'s three run: Ansible's first apply is the longest at 50 hosts
    --cases) cases="$2"; shift ;;  # which of (b) (c) (d) run: at 50 hosts one Ansible run of (b) takes 9 minutes here
    --parallel) parallel="$2"; shift ;;  # datalyptica's apply only (Ansible keeps its forks): 50 package installs at once on 2 cores outlast apply's 600 s step limit
    --name) lab="$2"; shift ;;
    --bridge) bridge="$2"; shift ;;
    --subnet) subnet="$2"; shift ;;
    *) echo "usage: $0 [--keep] [--hosts N] [--runs N] [--first-runs N] [--first-tools \"datalyptica ansible apt-get-by-hand\"] [--cases \"b c d\"] [--parallel N] [--name LAB] [--bridge BR] [--subnet A.B.C]" >&2; exit 64 ;;
  esac; shift
done
[[ "$host_count" =~ ^[0-9]+$ ]] && [ "$host_count" -ge 1 ] && [ "$host_count" -le 80 ] || { echo "--hosts must be 1 to 80 (hosts take .11 up; the lab's VIPs are .100 and .101)" >&2; exit 64; }
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
hosts=(); for i in $(seq "$host_count"); do hosts+=("$subnet.$((10 + i))"); done
export ANSIBLE_FORKS=$(( host_count > 10 ? host_count : 10 ))
[ -n "$parallel" ] || parallel=$ANSIBLE_FORKS
results=bench/results/vs-ansible; [ "$host_count" = 3 ] || results=bench/results/vs-ansible-${host_count}hosts
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
# record CASE TOOL SECONDS CPU-SECONDS
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$raw"; printf '  %-4s %-16s %7.2f s  (control node CPU %6.2f s)\n' "$1" "$2" "$3" "$4"; }
# The CPU seconds (user + sys) of every finished child of this shell so far: the second line of bash's `times`. It must
# run in this shell (in $(...) it would count a subshell's children), so it goes to a file that $(...) then reads.
children_cpu_mark() { times > "$work/times"; }
children_cpu() { awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] } print n }' "$work/times"; }
# timed CASE TOOL -- command...: runs it, fails the bench if it fails (a tool that errors has no time). Its CPU is what its
# processes used on this control node, children included (Ansible's forks and ssh clients).
timed() {
  local case=$1 tool=$2; shift 3
  local t0 t1 c0 c1; children_cpu_mark; c0=$(children_cpu); t0=$(now)
  if ! "$@" > "$work/last.out" 2>&1; then echo "FAILED: $case $tool: $*" >&2; tail -40 "$work/last.out" >&2; exit 1; fi
  t1=$(now); children_cpu_mark; c1=$(children_cpu)
  record "$case" "$tool" "$(echo "$t1 - $t0" | bc)" "$(echo "$c1 - $c0" | bc)"
}

lab_fresh() {
  "$dl" lab down "${lab_args[@]}" >/dev/null 2>&1 || true
  "$dl" lab up "${lab_args[@]}" --hosts "$host_count" --bare >/dev/null  # the OS base layer only, as the playbook
  # The bench's repository (OS base + python3-apt) instead of the shared os-base one; lab up rewrites the site.
  sed -i "s|^apt_repository_dir: .*|apt_repository_dir: $repo|" "$site/group_vars/all.yml"
}

ssh_opts=(-i "$labdir/id_ed25519" -o UserKnownHostsFile="$site/known_hosts" -o StrictHostKeyChecking=yes
          -o IdentitiesOnly=yes -o BatchMode=yes -o ControlPath=none -o ControlMaster=no)
# The same with the classic key exchange: what the post-quantum one (sntrup761x25519, OpenSSH's and SSH.NET's first
# choice) costs per new connection. For reference only; datalyptica never weakens its own.
on_all_x25519() { local ssh_opts=("${ssh_opts[@]}" -o KexAlgorithms=curve25519-sha256); on_all "$@"; }
on_all() { local pids=() h; for h in "${hosts[@]}"; do ssh "${ssh_opts[@]}" "root@$h" "$@" & pids+=($!); done
           local rc=0 p; for p in "${pids[@]}"; do wait "$p" || rc=1; done; return $rc; }

dl_apply() { "$dl" apply "$site" --auto-approve --layer prerequisites --parallel "$parallel"; }
ans_apply() { ansible-playbook -i "$site/hosts.yml" "$root/bench/ansible/os-base.yml"; }
# A no-op must be one: datalyptica's plan (exit 0 = nothing pending) and Ansible's recap (changed=0 everywhere).
# Before (b), Ansible's side is checked by (b)'s own runs instead: at 50 hosts one Ansible run takes about 9 minutes.
check_noop() {
  "$dl" plan "$site" >/dev/null || { echo "datalyptica sees pending changes after convergence" >&2; exit 1; }
  [ "${1:-}" = datalyptica-only ] && return
  ans_apply > "$work/check.out" 2>&1 || { tail -30 "$work/check.out" >&2; exit 1; }
  ansible_noop "$work/check.out"
}
ansible_noop() { grep -E 'changed=[1-9]' "$1" && { echo "the Ansible playbook is not idempotent (see above)" >&2; exit 1; } || true; }

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

# The floor for (a): the same packages installed by hand, `apt-get update` + `apt-get install` over ssh on every host at
# once, from the same served repository, its source written beforehand (untimed). No tool does less than this.
floor_packages=$(sed -n 's/^ *os_base_packages: \[\(.*\)\]$/\1/p' bench/ansible/os-base.yml | tr -d ,)
[ -n "$floor_packages" ] || { echo "no os_base_packages list in bench/ansible/os-base.yml" >&2; exit 1; }
floor_prepare() {
  local pids=() n=0 h name
  for h in "${hosts[@]}"; do
    n=$((n + 1)); name=$(printf 'lab%02d' "$n")
    tar -C "$work/files/$name" -cf - etc/apt | ssh "${ssh_opts[@]}" "root@$h" \
      'tar -C / -xf - && for f in /etc/apt/sources.list.d/*; do case "$f" in */datalyptica-ansible.list|*"*") ;; *) mv -f -- "$f" "$f.disabled" ;; esac; done' &
    pids+=($!)
  done
  local p; for p in "${pids[@]}"; do wait "$p"; done
}
floor_install() { on_all "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $floor_packages"; }

echo "== (a) first apply on fresh hosts, $first_runs runs each (lab down/up before every run), and the apt-get floor"
first_tool() { [[ " $first_tools " == *" $1 "* ]]; }
run_case() { [[ " $cases " == *" $1 "* ]]; }
for i in $(seq "$first_runs"); do
  if first_tool datalyptica; then lab_fresh; timed a datalyptica -- dl_apply; fi
  if first_tool ansible; then lab_fresh; serve_start; timed a ansible -- ans_apply; serve_stop; fi
  if first_tool apt-get-by-hand; then lab_fresh; serve_start; floor_prepare; timed a apt-get-by-hand -- floor_install; serve_stop; fi
done
# Whatever (a) left last (or a fresh lab when it did not run), converged by both tools, then both must see nothing to do.
# Ansible's run needs the repository served: its apt module installs python3-apt on hosts that lack it.
[ "$first_runs" -gt 0 ] || lab_fresh
dl_apply > "$work/converge.out" 2>&1 || { tail -30 "$work/converge.out" >&2; exit 1; }
serve_start; ans_apply > "$work/converge-ansible.out" 2>&1 || { tail -30 "$work/converge-ansible.out" >&2; exit 1; }; serve_stop
dl_apply > "$work/converge.out" 2>&1 || { tail -30 "$work/converge.out" >&2; exit 1; }
if run_case b; then check_noop datalyptica-only; else check_noop; fi

if run_case b; then
echo "== (b) no-op re-apply, $runs runs each"
for i in $(seq "$runs"); do timed b datalyptica -- dl_apply; timed b ansible -- ans_apply; ansible_noop "$work/last.out"; done
fi

if run_case c; then
echo "== (c) chrony.conf drifted on all $host_count hosts -> restored + chrony restarted, $runs runs each"
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
fi

# (d) The same health check on both sides: datalyptica's `verify` of what the benchmark deploys (the OS base: units active,
# chrony's tracking, our nftables table, node exporter's /metrics) and bench/ansible/health.yml doing those checks the usual
# Ansible way. Both run warm, as a person checking a site again does: Ansible over its ControlPersist connections (its default),
# datalyptica through its daemon and the SSH sessions the daemon keeps (one warm-up run each first). For reference, not
# ratios of the same work: datalyptica without its daemon (new process, new connections), `ansible -m ping` (proves only SSH
# and Python), and raw parallel ssh with new connections running `true`.
if run_case d; then
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
  timed d ssh-x25519 -- on_all_x25519 true
done
"$dl" daemon status | sed 's/^/  /'
fi

# Where a no-op's time goes (stage marks and each host's handshake and facts), the machine quiet again.
DATALYPTICA_TRACE=1 "$dl" apply "$site" --auto-approve --layer prerequisites --parallel "$parallel" > /dev/null 2> "$work/trace.txt"

python3 "$root/bench/ansible/report.py" report "$raw" "$results.json" "$results.svg" "$host_count" "$work/trace.txt"
