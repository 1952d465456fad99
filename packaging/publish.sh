#!/usr/bin/env bash
# Builds what we ship, into out/dist (one command; not part of the test suite):
#   datalyptica-VERSION-linux-x64, datalyptica-VERSION-linux-arm64   self-contained single-file binaries (no .NET needed)
#   datalyptica_VERSION_amd64.deb, datalyptica_VERSION_arm64.deb     the binary in /usr/bin, datalyptica(1), bash and zsh completion
#   Datalyptica.Cli.VERSION.nupkg                                    `dotnet tool install -g Datalyptica.Cli` (needs .NET 10)
#   SHA256SUMS                                                       of all of the above
# Usage: packaging/publish.sh [ARCH...]   (default: x64 arm64). Needs the .NET 10 SDK and dpkg-deb (Debian's dpkg).
# Last measured result: README, "Install the binary".
set -euo pipefail
cd "$(dirname "$0")/.."
archs=("$@"); [ ${#archs[@]} -gt 0 ] || archs=(x64 arm64)
dist=out/dist
rm -rf "$dist" && mkdir -p "$dist"
version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props)

for arch in "${archs[@]}"; do
  case $arch in x64) deb_arch=amd64 ;; arm64) deb_arch=arm64 ;; *) echo "unknown architecture $arch (x64 or arm64)" >&2; exit 64 ;; esac
  echo "== linux-$arch: single-file, self-contained, ReadyToRun"
  dotnet publish src/Datalyptica.Cli -c Release -r "linux-$arch" --self-contained true -p:PublishSingleFile=true \
    -p:DebugType=none --nologo -v q -o "out/publish-$arch" > /dev/null
  cp "out/publish-$arch/datalyptica" "$dist/datalyptica-$version-linux-$arch"

  echo "== datalyptica_${version}_$deb_arch.deb"
  root=$(mktemp -d) && trap 'rm -rf "$root"' EXIT
  chmod 0755 "$root"
  install -D -m 0755 "out/publish-$arch/datalyptica" "$root/usr/bin/datalyptica"
  # The page and the completion scripts are generated from the command tree; this machine's build writes them for both
  # architectures (they do not depend on it).
  mkdir -p "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" "$root/DEBIAN"
  self=out/publish-x64/datalyptica; [ -x "$self" ] || { dotnet build src/Datalyptica.Cli -c Release --nologo -v q -o out/cli > /dev/null; self=out/cli/datalyptica; }
  "$self" man | gzip -9n > "$root/usr/share/man/man1/datalyptica.1.gz"
  "$self" completion bash > "$root/usr/share/bash-completion/completions/datalyptica"
  "$self" completion zsh > "$root/usr/share/zsh/vendor-completions/_datalyptica"
  chmod 0644 "$root/usr/share/man/man1/datalyptica.1.gz" "$root/usr/share/bash-completion/completions/datalyptica" "$root/usr/share/zsh/vendor-completions/_datalyptica"
  # .NET's self-contained runtime needs the C and C++ runtimes and OpenSSL (System.Security.Cryptography); ICU is not
  # needed (InvariantGlobalization). https://learn.microsoft.com/en-us/dotnet/core/install/linux-debian#dependencies
  cat > "$root/DEBIAN/control" <<CONTROL
Package: datalyptica
Version: $version
Architecture: $deb_arch
Maintainer: Datalyptica <datalyptica@localhost>
Depends: libc6, libgcc-s1, libstdc++6, libssl3 | libssl3t64
Section: admin
Priority: optional
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Description: deploy and run a highly available data platform on plain Linux hosts
 One CLI for inventory, validation, plan and apply over SSH, verification,
 rolling restarts, upgrades, backups, disaster recovery and failover drills.
CONTROL
  dpkg-deb --root-owner-group --build "$root" "$dist/datalyptica_${version}_$deb_arch.deb" > /dev/null
  rm -rf "$root"; trap - EXIT
done

echo "== Datalyptica.Cli.$version.nupkg (dotnet tool)"
dotnet pack src/Datalyptica.Cli -c Release -p:PackAsTool=true -p:ToolCommandName=datalyptica --nologo -v q -o "$dist" > /dev/null

(cd "$dist" && sha256sum -- * > SHA256SUMS)
ls -l "$dist"
