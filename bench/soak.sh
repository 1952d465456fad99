#!/usr/bin/env bash
# The soak, one command, out of the test suite (issue 19): a lab of its own (bridge dl-labsoak, 10.77.91.0/24), the HA
# core applied from nothing, then `drill SITE all --soak MINUTES`: one fault after another picked at random from every
# drill, PAUSE seconds apart, while a writer outside the drills writes through the VIP the whole time (nothing it was
# told is written may be lost). Prints the spread of every measured time and that writer's account; keeps the JSON in
# bench/results/soak.json. Takes MINUTES plus about 6 minutes; takes the lab down at the end, whatever happened.
# Usage: bench/soak.sh [MINUTES (60)] [PAUSE seconds (60)] [SEED]. Needs root and ./setup.sh.
# Last measured result: docs/DRILLS.md ("Soak").
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-60}" pause="${2:-60}" seed="${3:-}"
lab=(--name soak --bridge dl-labsoak --subnet 10.77.91)
site=/var/lib/datalyptica/lab/soak/site
./dl lab up "${lab[@]}" --recreate  # from nothing, even after a soak that failed and kept its lab
# Down at the end when the soak passed; kept up when it did not, as the evidence (journals, Patroni's log).
status=1
trap '[ "$status" -eq 0 ] && ./dl lab down "${lab[@]}" || echo "soak did not pass: lab soak left up for a look (./dl lab ssh lab01 --name soak ...); take it down with: ./dl lab down ${lab[*]}"' EXIT
./dl apply "$site" --auto-approve
./dl verify "$site" --wait 180 > /dev/null
mkdir -p bench/results
status=0
./dl drill "$site" all --soak "$minutes" --pause "$pause" ${seed:+--seed "$seed"} -o json > bench/results/soak.json || status=$?
python3 - bench/results/soak.json <<'PY'
import json, sys
text = open(sys.argv[1]).read()
if not text.strip():
    sys.exit("the soak wrote no result (see its error above)")
r = json.loads(text)
s = r["soak"]
print(f"soak: {s['faults']} fault(s) in {s['elapsedSeconds'] / 60:.0f} min (seed {s['seed']}); continuous writes: "
      f"{s['writes']['acknowledged']} acknowledged, {s['writes']['lost']} lost; longest gap {s['longestGapSeconds']:.2f} s")
for x in r["spread"]:
    if x["measured"] == 0: continue
    limit = f" (limit {x['limitSeconds']:g} s, {x['overLimit']} over)" if x.get("limitSeconds") else ""
    print(f"  {x['drill']}: {x['measurement']}: min {x['minSeconds']:.2f} / median {x['medianSeconds']:.2f} / p95 {x['p95Seconds']:.2f} / max {x['maxSeconds']:.2f} s over {x['measured']} run(s){limit}")
print("passed" if r["passed"] else "FAILED: " + "; ".join(p for d in r["drills"] for p in d["problems"]))
PY
exit "$status"
