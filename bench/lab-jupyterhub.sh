#!/usr/bin/env bash
# Heavy lab proof, out of the test suite: JupyterHub 3.0 from Debian's package on its own lab (lab up --jupyterhub layout
# on bridge dl-labtest4), applied from nothing, logged in through HAProxy's HTTPS front door, failed over to the passive
# hub. Needs root and ./setup.sh. Last measured result: docs/LAB.md ("JupyterHub from Debian").
set -euo pipefail
cd "$(dirname "$0")/.."
DATALYPTICA_LAB_PROOFS=1 exec dotnet test tests/Datalyptica.Tests --filter "FullyQualifiedName~LabJupyterHubEndToEndTests" \
  --logger "console;verbosity=detailed"
