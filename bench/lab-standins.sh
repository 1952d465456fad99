#!/usr/bin/env bash
# Lab proof, part of the test suite (CI runs it with the other lab tests); this runs it alone with its detailed output: the whole platform on 3 lab hosts (bridge dl-labtest5, 10.77.94.0/24), the HA
# core from Debian's packages and every artifact component from release-faithful stand-ins (docs/STAND-INS.md), applied
# from nothing, every first-start step checked, verify, application databases logged in through the VIP, a second apply
# with 0 changes. Needs root and ./setup.sh. Last measured result: docs/STAND-INS.md ("Measured").
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet test tests/Datalyptica.Tests --filter "FullyQualifiedName~LabStandInEndToEndTests" \
  --logger "console;verbosity=detailed"
