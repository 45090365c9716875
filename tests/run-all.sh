#!/bin/sh
# The whole test suite, as CI and the README run it:
#   1. the normal build (g++) and every unit, integration and docs test;
#   2. a clang build with AddressSanitizer and UndefinedBehaviorSanitizer, running the same
#      tests again plus the libFuzzer harnesses for FUZZ_SECONDS each (default 45:
#      five harnesses on two cores, and the whole command stays under 15 minutes).
# Run from the top of the repository.
set -eu
fuzz_seconds=${FUZZ_SECONDS:-45}

# Warnings are errors here (not in a user's own build, where a newer compiler's new warning
# must not stop them), and the benchmarks are built so that they keep compiling.
checks="-Dwerror=true -Dbench=true"
if [ ! -d build ]; then
    meson setup build $checks >/dev/null
else
    meson configure build $checks
fi
meson test -C build --print-errorlogs

if [ ! -d build-sanitize ]; then
    CC=clang CXX=clang++ meson setup build-sanitize -Db_sanitize=address,undefined \
        -Db_lundef=false -Dfuzzing=true -Dfuzz_seconds="$fuzz_seconds" $checks >/dev/null
else
    meson configure build-sanitize -Dfuzz_seconds="$fuzz_seconds" $checks
fi
meson test -C build-sanitize --print-errorlogs
