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
#   poppler-utils   - pdftotext: the report tests read the governor summary and review PDFs back as a reader would
#   bsdutils        - script: a pseudo-terminal, so the CLI progress test sees what a person at a terminal sees
#   postgresql      - PostgreSQL 15 for the Storage:Provider=postgres tests: each run initdb's a throwaway cluster on a
#                     loopback port (tests/AlertPipeline.Tests/Support/PostgresCluster.cs; ALERTPIPELINE_TEST_PG overrides)
packages=(wamerican python3 kcat docker-compose chromium python3-aiosmtpd poppler-utils bsdutils postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Installing postgresql starts Debian's system cluster; the tests run their own, so that one is stopped again.
  if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null; then
    $SUDO pg_ctlcluster 15 main stop 2>/dev/null || true
  fi
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
  elif [ -n "${CI:-}" ]; then
    # CI always has shared/ beside the clone: a missing copy is a broken set-up, not a reason to skip the check.
    echo "error: reference lists not found at $references (set ALERTPIPELINE_REFERENCE_LISTS); CI must run this check" >&2
    exit 1
  else
    echo "==> SKIPPED: reference lists not found at $references, so the generated list blocks were NOT checked"
    echo "    (set ALERTPIPELINE_REFERENCE_LISTS to a copy of shared/reference-lists to check them)"
  fi
fi

if [ -f docker-compose.yml ]; then
  echo "==> validating docker-compose.yml"
  # The file refuses to start without a database password (.env); any value validates it.
  POSTGRES_PASSWORD=compose-validation-only docker-compose -f docker-compose.yml config -q
fi

# A real OpenID Connect provider (oidc-provider 9.x, pinned by the lock file) for the sign-in tests (Users/Oidc).
# It needs Node 20 or later with npm, which the build machines carry (Debian 12's own nodejs is 18: too old).
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null || ! command -v npm >/dev/null; then
  echo "error: the sign-in tests need Node.js 20 or later with npm (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
echo "==> installing the test OpenID provider (tests/oidc-provider)"
(cd tests/oidc-provider && npm ci --no-audit --no-fund --loglevel=error)

echo "==> building"
dotnet build AlertPipeline.sln -c Release -warnaserror --nologo -v quiet

# The analyzers must refuse a catch-all that swallows, culture-dependent parsing and a bare await: a probe project
# with exactly those is built and must fail with exactly those rules (issue 17).
echo "==> checking the analyzers refuse the probe (scripts/analyzer-probe)"
probe_log=$(mktemp)
if dotnet build scripts/analyzer-probe/AnalyzerProbe.csproj -c Release --nologo -v quiet >"$probe_log" 2>&1; then
  echo "the analyzer probe built: the analyzer settings no longer refuse its mistakes" >&2
  exit 1
fi
for rule in CA1031 CA1305 CA2007; do
  grep -q "error $rule" "$probe_log" || { echo "the analyzer probe did not fail on $rule" >&2; cat "$probe_log" >&2; exit 1; }
done
rm -f "$probe_log"

# The Chrome agent's pure parts, with Node's built-in test runner (no npm packages). Node from PATH, else the one
# inside the Playwright driver the build just copied (so a machine without Node still runs them).
echo "==> testing the Chrome agent (node --test agent/chrome/test)"
node_bin="$(command -v node || echo "$PWD/tests/AlertPipeline.Tests/bin/Release/net10.0/.playwright/node/linux-x64/node")"
(cd agent/chrome && "$node_bin" --test test/)

echo "==> testing"
results=$(mktemp -d)
set +e
# --blame-hang-timeout: a test that hangs fails the run (with the hung test named and a dump) instead of using up CI's
# 90 minutes. The TRX logger gives machine-readable results, from which the totals below are taken.
dotnet test AlertPipeline.sln -c Release --no-build --nologo --blame-hang-timeout 15m --blame-hang-dump-type none \
  --logger "trx" --results-directory "$results"
status=$?
set -e

# One closing line that any CI can read: the totals over all test projects, from the TRX files.
read -r trx_files passed failed < <(python3 - "$results" <<'PY'
import glob, sys
import xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
files = passed = failed = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find(f"./{ns}ResultSummary/{ns}Counters")
    if counters is None:
        continue
    files += 1
    passed += int(counters.get("passed", 0))
    failed += sum(int(counters.get(k, 0)) for k in ("failed", "error", "timeout", "aborted"))
print(files, passed, failed)
PY
)
rm -rf "$results"
echo "${passed} passed, ${failed} failed"
if [ "$status" -eq 0 ] && { [ "$trx_files" -eq 0 ] || [ "$passed" -eq 0 ]; }; then
  echo "error: the test run reported success but no test results were found" >&2
  exit 1
fi
exit "$status"
