#!/usr/bin/env bash
# Renders a survkit report in headless Chromium and saves a screenshot to look at.
# Needs Debian's chromium (apt-get install -y chromium). Usage, from the repository root:
#   tests/browser/check_report.sh [OUT_DIR]
# Writes OUT_DIR/report.html and OUT_DIR/report.png (default OUT_DIR: target/browser) and fails
# if Chromium logs a console error or the screenshot is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-target/browser}"
mkdir -p "$out"
cargo run --release --quiet -- report datasets/lung.csv --time time --event status --group sex \
    --covariates age --tau 730 -o "$out/report.html"
if grep -q "<script" "$out/report.html"; then
    echo "report contains a script" >&2
    exit 1
fi
log="$out/chromium.log"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --enable-logging=stderr --v=0 --window-size=1000,5200 \
    --screenshot="$out/report.png" "file://$(realpath "$out/report.html")" 2>"$log" || true
test -s "$out/report.png"
if grep -i "CONSOLE" "$log" | grep -qi "error"; then
    grep -i "CONSOLE" "$log" >&2
    exit 1
fi
echo "screenshot: $out/report.png"
