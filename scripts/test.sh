#!/usr/bin/env bash
# Installs what the tests need (Debian packages) and runs every test of the solution.
# Usage: scripts/test.sh            (from a fresh clone on Debian with the .NET 10 SDK)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use, each for a real peer rather than a mock:
#   wamerican       - English word list for `keywords lint` (terms that hit common words)
#   python3         - the keyword-list checker (seeds/tools/check_lists.py)
#   kcat            - an independent Kafka client for the interoperability tests
#   docker-compose  - validates docker-compose.yml (no Docker engine needed for `config -q`)
#   chromium        - the browser the console's Playwright tests drive (/usr/bin/chromium; never `playwright install`)
#   python3-aiosmtpd - a real SMTP server for the responder tests (Maildir; run with /usr/bin/python3)
packages=(wamerican python3 kcat docker-compose chromium python3-aiosmtpd)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f seeds/tools/check_lists.py ]; then
  echo "==> checking keyword lists"
  python3 seeds/tools/check_lists.py --keywords seeds/keywords
  # The generator reads the public reference lists (../shared/reference-lists); where they are present, a rerun
  # must reproduce the committed lists exactly, so curated removals and re-ratings are never undone.
  references="${ALERTPIPELINE_REFERENCE_LISTS:-$(cd .. && pwd)/shared/reference-lists}"
  if [ -d "$references" ]; then
    echo "==> checking the generated list blocks are reproducible from $references"
    regenerated="$(mktemp -d)"
    cp -r seeds/keywords "$regenerated/keywords"
    python3 seeds/tools/build_reference_terms.py --ref "$references" --out "$regenerated/keywords" >/dev/null
    diff -r seeds/keywords "$regenerated/keywords"
    rm -rf "$regenerated"
  else
    echo "==> reference lists not found at $references: generated-block reproducibility not checked"
  fi
fi

if [ -f docker-compose.yml ]; then
  echo "==> validating docker-compose.yml"
  docker-compose -f docker-compose.yml config -q
fi

echo "==> building"
dotnet build AlertPipeline.sln -c Release -warnaserror --nologo -v quiet

echo "==> testing"
log=$(mktemp)
set +e
dotnet test AlertPipeline.sln -c Release --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line that any CI can read: the totals over all test projects.
sum() { grep -oE "$1: +[0-9]+" "$log" | grep -oE "[0-9]+" | awk '{s+=$1} END {print s+0}'; }
passed=$(sum Passed)
failed=$(sum Failed)
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
