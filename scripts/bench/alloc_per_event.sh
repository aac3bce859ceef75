#!/usr/bin/env bash
# Heap allocations (valgrind DHAT) and instructions (callgrind) per event of `parapet bench message`, start-up
# cancelled out: run the bench at two fixed event counts and divide the difference by the difference of counts.
#
#   scripts/bench/alloc_per_event.sh BIN [bench options...]
#   scripts/bench/alloc_per_event.sh .build-rel/release/parapet --sizes 500
#   scripts/bench/alloc_per_event.sh .build-rel/release/parapet --role document --sizes 5000
#
# N1 / N2 (default 256 / 1280, multiples of the bench's 64 messages) and TOOLS (default "dhat callgrind") can be
# set in the environment. Needs valgrind and gcc; BIN must be a build with `bench message --events`.
# valgrind 3.19 cannot read the DWARF 5 debug info of a Swift build, so a copy with the debug sections stripped runs
# (function names come from the symbol table), next to BIN so that the resource bundles are found.
set -euo pipefail
bin=$1; shift
n1=${N1:-256}; n2=${N2:-1280}
tools=${TOOLS:-dhat callgrind}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"; rm -f "$bin-nodebug"' EXIT
gcc -O2 -shared -fPIC -o "$work/shim.so" "$here/valgrind_sigsuspend_shim.c"
objcopy --strip-debug "$bin" "$bin-nodebug"
for tool in $tools; do
    for n in "$n1" "$n2"; do
        if [ "$tool" = dhat ]; then
            LD_PRELOAD="$work/shim.so" valgrind --tool=dhat --dhat-out-file="$work/dhat-$n.json" \
                "$bin-nodebug" bench message "$@" --events "$n" > /dev/null 2> "$work/$tool-$n.log"
            grep 'Total:' "$work/$tool-$n.log" | tr -d ',' | awk '{print $6}' > "$work/$tool-$n.count"
        else
            LD_PRELOAD="$work/shim.so" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
                "$bin-nodebug" bench message "$@" --events "$n" > /dev/null 2> "$work/$tool-$n.log"
            grep 'Collected' "$work/$tool-$n.log" | awk '{print $4}' > "$work/$tool-$n.count"
        fi
    done
    a=$(cat "$work/$tool-$n1.count"); b=$(cat "$work/$tool-$n2.count")
    unit=$([ "$tool" = dhat ] && echo "heap blocks allocated" || echo "instructions")
    python3 -c "print(f'$tool: {($b - $a) / ($n2 - $n1):.2f} $unit per event ($a at $n1 events, $b at $n2)')"
    if [ "$tool" = dhat ] && [ -n "${SITES:-}" ]; then
        python3 "$here/dhat_sites.py" "$work/dhat-$n1.json" "$work/dhat-$n2.json" $((n2 - n1))
    fi
done
