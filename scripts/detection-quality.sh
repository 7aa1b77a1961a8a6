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
if [ -d "$training" ]; then
  # False alarms on the ordinary files as each text arrives (ADR 0016): queries as searches, homework and posts as typed.
  echo "### False alarms on the ordinary files (rules, whole files)"
  echo '```'
  ap keywords measure "$training/search_queries_nq.csv" --lists seeds/keywords --source search
  ap keywords measure "$training/homework_questions_gsm8k.csv" "$training/goemotions_reddit_ordinary.csv" --lists seeds/keywords --source typed | tail -n +3
  echo '```'
fi
if [ -d "$training" ] && [ -f "$davidson" ]; then
  echo "### Rules, learned model and both (held-out and cross-source)"
  ap eval --cross-source --training "$training" --davidson "$davidson"
fi
