#!/usr/bin/env bash
# Builds a release bundle from this checkout: a self-contained linux-x64 publish stamped with VERSION (no .NET needed
# on the server), with the installer, the systemd unit and the site configuration template beside it.
# Usage: deploy/package.sh VERSION [OUT_DIR] [--no-tarball]
#   -> OUT_DIR/alertpipeline-VERSION/ (unpacked) and OUT_DIR/alertpipeline-VERSION-linux-x64.tar.gz (OUT_DIR: artifacts)
# On the server: tar xzf alertpipeline-VERSION-linux-x64.tar.gz && sudo alertpipeline-VERSION/install.sh
set -euo pipefail
usage="usage: deploy/package.sh VERSION [OUT_DIR] [--no-tarball]"
version="" out="" tarball=1
for arg in "$@"; do
  case "$arg" in
    --no-tarball) tarball=0 ;;
    -*) echo "error: unknown option $arg ($usage)" >&2; exit 2 ;;
    *) if [ -z "$version" ]; then version=$arg; elif [ -z "$out" ]; then out=$arg; else echo "error: unexpected argument '$arg' ($usage)" >&2; exit 2; fi ;;
  esac
done
[ -n "$version" ] || { echo "error: $usage" >&2; exit 2; }
# The version becomes the release folder's name and the assembly version, so it must be a plain semantic version.
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  echo "error: VERSION must look like 1.2.3 or 1.2.3-rc.1 (was '$version')" >&2; exit 2
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${out:-$repo/artifacts}
mkdir -p "$out"
out=$(cd "$out" && pwd)
bundle="$out/alertpipeline-$version"
rm -rf "$bundle"

echo "==> publishing alertpipeline $version (self-contained, linux-x64) into $bundle/app"
dotnet publish "$repo/src/AlertPipeline/AlertPipeline.csproj" -c Release -r linux-x64 --self-contained \
  -p:Version="$version" -o "$bundle/app" --nologo -v quiet
echo "$version" > "$bundle/VERSION"
install -m 755 "$repo/deploy/install.sh" "$bundle/install.sh"
install -m 644 "$repo/deploy/systemd/alertpipeline.service" "$bundle/alertpipeline.service"
install -m 644 "$repo/deploy/site/appsettings.json" "$bundle/appsettings.site.json"
install -m 644 "$repo/deploy/PRODUCTION.md" "$bundle/PRODUCTION.md"
if [ "$tarball" -eq 1 ]; then
  tar -C "$out" -czf "$bundle-linux-x64.tar.gz" "alertpipeline-$version"
  echo "==> $bundle-linux-x64.tar.gz"
fi
echo "==> $bundle (install with: sudo $bundle/install.sh)"
