#!/usr/bin/env bash
# Heavy lab proof, out of the test suite: the whole platform on 3 lab hosts (bridge dl-labtest5, 10.77.96.0/24), the HA
# core from Debian's packages and every artifact component from release-faithful stand-ins (docs/STAND-INS.md), applied
# from nothing, every first-start step checked, verify, application databases logged in through the VIP, a second apply
# with 0 changes. Needs root and ./setup.sh. Last measured result: docs/STAND-INS.md ("Measured").
set -euo pipefail
cd "$(dirname "$0")/.."
DATALYPTICA_LAB_PROOFS=1 exec dotnet test tests/Datalyptica.Tests --filter "FullyQualifiedName~LabStandInEndToEndTests" \
  --logger "console;verbosity=detailed"
