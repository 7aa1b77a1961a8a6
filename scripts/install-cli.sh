#!/usr/bin/env bash
# Puts `alertpipeline` on the PATH from this clone, so the README's commands can be typed as written:
# publishes a Release build into $PREFIX/lib/alertpipeline and links $PREFIX/bin/alertpipeline to it.
# PREFIX defaults to ~/.local (no root needed; ~/.local/bin is on the PATH of most Debian logins); as root,
# PREFIX=/usr/local puts it beside the production installer's link. Run it again after pulling to update.
# A school's server is installed with deploy/install.sh instead (deploy/PRODUCTION.md).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${PREFIX:-$HOME/.local}"
lib="$prefix/lib/alertpipeline"
bin="$prefix/bin"

# Publish beside the old copy and swap, so a failed build leaves the working install in place.
rm -rf "$lib.new"
dotnet publish "$repo/src/AlertPipeline" -c Release -o "$lib.new" --nologo -v quiet
rm -rf "$lib"
mv "$lib.new" "$lib"
mkdir -p "$bin"
ln -sfn "$lib/alertpipeline" "$bin/alertpipeline"

"$bin/alertpipeline" version
case ":$PATH:" in
  *":$bin:"*) echo "alertpipeline is on the PATH ($bin/alertpipeline); try: alertpipeline --help" ;;
  *) echo "note: $bin is not on the PATH; add it, e.g. echo 'export PATH=\"$bin:\$PATH\"' >> ~/.bashrc" ;;
esac
