#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for datalyptica: the packages its tests and lab need,
# and the .NET restore. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
# ansible-core: the inventory and vault cross-checks. The rest: the real validators that check rendered
# configuration (haproxy -c, keepalived -t, promtool, amtool, patroni --validate-config, nft -c,
# systemd-analyze verify, redis-server, postgres, zookeeper's classes, etcd, pgbackrest, postgres_exporter).
packages=(ansible-core haproxy keepalived prometheus prometheus-alertmanager patroni nftables redis-server
          postgresql systemd zookeeper etcd-server pgbackrest prometheus-postgres-exporter)
# OS base tests: etcd-server creates the etcd user that tmpfiles names; openssl makes the throwaway TLS
# certificate for haproxy -c; iproute2 gives keepalived --config-test an interface in a scratch netns.
packages+=(openssl iproute2)
# verify's Patroni probe test runs real Patroni members (etcd v3 DCS, psycopg2) on loopback.
packages+=(python3-etcd3 python3-psycopg2)
# topology's pictures are checked by the tools that read them: Graphviz's dot and librsvg's rsvg-convert; the manual
# page by groff (man-db).
packages+=(graphviz librsvg2-bin groff-base man-db)
# `report`'s page is opened by a real browser: headless Chromium (in a network namespace of its own), with a font.
packages+=(chromium fonts-dejavu-core)
# Engine tests: a real sshd on loopback (never started as a service) and dpkg-scanpackages for the offline repository.
packages+=(openssh-server dpkg-dev)
# Transport tests: sudo, to prove Become (sudo -n) for a throwaway NOPASSWD user against the loopback sshd.
packages+=(sudo)
# The lab: systemd-nspawn (systemd-container) boots the hosts; debootstrap builds their base image.
packages+=(systemd-container debootstrap)
# The lab's S3 server: s3rver from npm (node, npm), with its common-prefix fix applied by patch. Debian's npm
# package only where npm is missing: a nodejs build that ships its own npm conflicts with it.
packages+=(nodejs patch)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# Stand-in archives (tests/Datalyptica.Tests/StandIns): javac compiles the stand-in runner jar's launcher, python3-venv
# and python3-yaml let the wheelhouse install with the real pip and the stand-in parse YAML, unzip unpacks Loki's zip.
packages+=(openjdk-17-jdk-headless python3-venv python3-yaml unzip)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  # Debian starts services on install; on a control node we only want the binaries, so forbid starts
  # while installing (policy-rc.d exit 101), and remove the policy only if we put it there.
  policy=/usr/sbin/policy-rc.d
  created_policy=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=yes
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  [ "$created_policy" = yes ] && rm -f "$policy"
fi
dotnet restore Datalyptica.slnx --nologo -v q
