#!/bin/sh
# Runs one fuzz target, starting from the checked-in seeds:
#
#   fuzz/run.sh TARGET [libFuzzer flags]
#   fuzz/run.sh records -max_total_time=3600
#   fuzz/run.sh records -max_total_time=3600 -fork=1 -ignore_crashes=1
#
# libFuzzer reads every corpus folder it is given and writes new inputs to the
# first: fuzz/corpus/TARGET (git-ignored, kept between runs). The others are
# read only: the seeds (fuzz/corpus-seed/TARGET) and the inputs that found bugs
# before (tests/fixtures/fuzz/TARGET).
set -eu
if [ $# -lt 1 ]; then
    echo "usage: fuzz/run.sh TARGET [libFuzzer flags]   (targets: $(ls "$(dirname "$0")/fuzz_targets" | sed 's/\.rs$//' | tr '\n' ' '))" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
target=$1
shift
mkdir -p "fuzz/corpus/$target"
seeds="fuzz/corpus-seed/$target"
if [ -d "tests/fixtures/fuzz/$target" ]; then
    seeds="$seeds tests/fixtures/fuzz/$target"
fi
# cargo-fuzz needs a nightly compiler; RUSTC_BOOTSTRAP lets the stable one act as one.
# shellcheck disable=SC2086 # $seeds is a list of paths without spaces
RUSTC_BOOTSTRAP=1 exec cargo fuzz run "$target" "fuzz/corpus/$target" $seeds -- "$@"
