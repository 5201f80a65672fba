#!/usr/bin/env bash
# A/B of the native kernels: src/engine/native/{kernel.h,simd.h,plan.h} at a git revision (A, default
# HEAD) against the working tree (B), both compiled as the addon compiles them (binding.gyp's flags),
# linked into one program (ab.cc) and timed alternately, one call of A then one of B, so that both
# see the same moments of a shared host. It prints one table per thread count; with --perf, also
# where B's time went (perf record -e cpu-clock: B's functions, A's left out).
#
#   bench/kernel-ab/run.sh [--ref REV] [--isa avx2|avx512] [--f32] [--threads "1 2"] [--reps R] [--sizes "n,d,heads;…"] [--perf]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ref=HEAD isa=avx2 f32=0 threads="1 2" reps=9 sizes="" perf=0
usage() { echo "usage: bench/kernel-ab/run.sh [--ref REV] [--isa avx2|avx512] [--f32] [--threads \"1 2\"] [--reps R] [--sizes \"n,d,heads;…\"] [--perf]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --ref) ref="${2:?}"; shift 2 ;;
    --isa) isa="${2:?}"; shift 2 ;;
    --f32) f32=1; shift ;;
    --threads) threads="${2:?}"; shift 2 ;;
    --reps) reps="${2:?}"; shift 2 ;;
    --sizes) sizes="${2:?}"; shift 2 ;;
    --perf) perf=1; shift ;;
    *) usage ;;
  esac
done
[[ "$sizes" =~ ^([1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*(;|$))*$ ]] || { echo "run.sh: --sizes must be \"n,d,heads;…\" with positive integers, got \"$sizes\"" >&2; exit 2; }
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --reps must be a positive integer, got \"$reps\"" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*( [1-9][0-9]*)*$ ]] || { echo "run.sh: --threads must be positive integers separated by spaces, got \"$threads\"" >&2; exit 2; }
case "$isa" in
  avx2) flags=(-mavx2 -mfma -DSETH_AVX2) ;;
  avx512) flags=(-mavx512f -mfma -DSETH_AVX512)
    grep -qw avx512f /proc/cpuinfo 2>/dev/null || { echo "run.sh: this CPU has no AVX-512F" >&2; exit 2; } ;;
  *) usage ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/a"
for f in kernel.h simd.h plan.h; do
  git -C "$root" show "$ref:src/engine/native/$f" > "$work/a/$f" 2>/dev/null || { echo "run.sh: no src/engine/native/$f at $ref" >&2; exit 2; }
done
# binding.gyp's flags for the kernel libraries (node-gyp adds -fPIC -pthread -m64 -fno-omit-frame-pointer).
common=(-std=c++17 -O3 -fPIC -pthread -m64 -fno-omit-frame-pointer -fexceptions -fvisibility=hidden "${flags[@]}")
g++ "${common[@]}" -DSETH_NS=seth_a -DSETH_ISA_NAME='"a"' -DENTRY=kernelsA -I"$work/a" -c "$here/unit.cc" -o "$work/a.o"
g++ "${common[@]}" -DSETH_NS=seth_b -DSETH_ISA_NAME='"b"' -DENTRY=kernelsB -I"$root/src/engine/native" -c "$here/unit.cc" -o "$work/b.o"
g++ -std=c++17 -O2 -pthread -I"$root/src/engine/native" "$here/ab.cc" "$work/a.o" "$work/b.o" -o "$work/ab"
echo "A = $ref ($(git -C "$root" rev-parse --short "$ref")), B = the working tree; $isa"
if [ "$perf" = 1 ] && ! command -v perf >/dev/null; then echo "run.sh: --perf needs perf (Debian: linux-perf)" >&2; exit 2; fi
for t in $threads; do
  echo
  if [ "$perf" = 1 ]; then
    perf record -q -e cpu-clock -F 2000 -o "$work/perf.data" "$work/ab" "$t" "$f32" "$reps" ${sizes:+"$sizes"}
    echo
    echo "B's share of its own samples, by function (perf record -e cpu-clock):"
    perf report -i "$work/perf.data" --stdio --sort symbol 2>/dev/null | grep 'seth_b::' |
      awk '{ total += $1; pct[NR] = $1; s = substr($0, index($0, "seth_b::")); sub(/[ \t-]+$/, "", s); name[NR] = s }
           END { for (i = 1; i <= NR; i++) printf "  %5.1f %%  %s\n", 100 * pct[i] / total, name[i] }' | head -8
  else
    "$work/ab" "$t" "$f32" "$reps" ${sizes:+"$sizes"}
  fi
done
