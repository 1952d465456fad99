#!/usr/bin/env bash
# Lab proof outside CI (about 15 minutes, two labs of 3 hosts): active-passive DR. Lab e2e-dra (dl-labtest6,
# 10.77.92.0/24) is the primary site and e2e-drb (dl-labtest7, 10.77.93.0/24) its standby, routed between their two
# bridges only; the standby's lag under writes; every primary host crashed mid-write, `dr promote`, writes on the
# standby's VIP (RTO) and the acknowledged rows it lacks (RPO); failback with `dr rebuild`. Needs root and ./setup.sh.
# Last measured result: docs/RUNBOOK.md ("Disaster recovery", measured on the lab).
set -euo pipefail
cd "$(dirname "$0")/.."
DATALYPTICA_LAB_PROOFS=1 exec dotnet test tests/Datalyptica.Tests --filter "FullyQualifiedName~LabDrEndToEndTests" \
  --logger "console;verbosity=detailed"
