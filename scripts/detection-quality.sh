#!/usr/bin/env bash
# Re-measures detection quality on the labelled data and the project's suites (figures in docs/detection-quality.md).
# Usage: scripts/detection-quality.sh [path/to/davidson_labeled_data.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
davidson=${1:-../shared/eval/davidson_labeled_data.csv}
dotnet build src/AlertPipeline -c Release --nologo -v quiet >/dev/null
ap() { dotnet src/AlertPipeline/bin/Release/net10.0/alertpipeline.dll "$@"; }
for suite in concerning obfuscation benign-school; do
  echo "### tests/suites/$suite.csv"
  echo '```'
  ap eval --file "tests/suites/$suite.csv" --lists seeds/keywords --misses 15
  echo '```'
done
if [ -f "$davidson" ]; then
  echo "### Davidson et al. (ICWSM 2017) labelled tweets"
  echo '```'
  ap eval --file "$davidson" --format davidson --lists seeds/keywords
  echo '```'
fi
training=${TRAINING:-../shared/training}
if [ -d "$training" ] && [ -f "$davidson" ]; then
  echo "### Rules, learned model and both (held-out and cross-source)"
  ap eval --cross-source --training "$training" --davidson "$davidson"
fi
