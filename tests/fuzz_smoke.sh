#!/usr/bin/env bash
# A short, seeded fuzz run for CI (issue 12): replays the committed crash regressions, runs each
# cargo-fuzz target for FUZZ_SECONDS (default 40) from the seed corpus with a fixed -seed, then
# the CLI mutation fuzzer against a release build. Exits non-zero on any failure.
#
#     tests/fuzz_smoke.sh            # from the repository root
#
# Needs the nightly toolchain (cargo-fuzz builds with sanitizer flags); installs cargo-fuzz
# once when `cargo fuzz` is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-40}"
start=$(date +%s)

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=(csv_reader digitised_reader small_trial)
# -s none: survkit has no unsafe code of its own, so AddressSanitizer adds build time, not checks
cargo +nightly fuzz build -s none

for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    # the committed crashing inputs first: each must now run clean
    if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
        cargo +nightly fuzz run -s none "$target" "fuzz/regressions/$target" -- -runs=0
    fi
    cargo +nightly fuzz run -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -seed=7 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
done

cargo build --release --quiet
python3 tests/fuzz_cli.py --binary target/release/survkit --seconds "$seconds" --seed 7

echo "fuzz smoke passed in $(($(date +%s) - start)) s"
