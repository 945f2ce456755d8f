#!/usr/bin/env bash
# A short, seeded fuzz run for CI (issue 12): replays the committed crash regressions, runs each
# cargo-fuzz target for a fixed number of inputs (FUZZ_RUNS, scaled per target) from the seed
# corpus with a fixed -seed, then the CLI mutation fuzzer for a fixed number of commands. Counts,
# not seconds, so the run is the same on any machine. Exits non-zero on any failure.
#
#     tests/fuzz_smoke.sh            # from the repository root
#
# Needs the nightly toolchain (cargo-fuzz builds with sanitizer flags); installs cargo-fuzz
# once when `cargo fuzz` is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
# inputs per target and CLI commands, about 2 minutes in all on a 2-core machine after the
# fuzz build; FUZZ_SCALE multiplies them all
scale="${FUZZ_SCALE:-1}"
declare -A runs=([csv_reader]=$((20000 * scale)) [digitised_reader]=$((20000 * scale)) [small_trial]=$((1000 * scale)) [formula]=$((30000 * scale)) [parquet_stream]=$((5000 * scale)))
cli_runs=$((600 * scale))
start=$(date +%s)

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

targets=(csv_reader digitised_reader formula small_trial parquet_stream)
# -s none: survkit has no unsafe code of its own, so AddressSanitizer adds build time, not checks
cargo +nightly fuzz build -s none
cargo build --release --quiet
built=$(date +%s)

for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    # the committed crashing inputs first: each must now run clean
    if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
        cargo +nightly fuzz run -s none "$target" "fuzz/regressions/$target" -- -runs=0
    fi
    cargo +nightly fuzz run -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -runs="${runs[$target]}" -seed=7 -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1
done

python3 tests/fuzz_cli.py --binary target/release/survkit --runs "$cli_runs" --seconds 600 --seed 7

echo "fuzz smoke passed: builds $((built - start)) s, fuzzing $(($(date +%s) - built)) s"
