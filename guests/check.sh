#!/bin/bash
# check.sh - run every guest natively and check it against programs.tsv.
#
#   ./check.sh            (or: make -C guests check)
#   ./check.sh --update   also rewrite expected/NAME.out and expected/NAME.err
#
# For each ELF: runs it twice with a clean HVSIM_TEST_ENV, requires identical
# stdout, stderr and exit status both times, and the status programs.tsv
# expects, and the stdout/stderr recorded in expected/. Then: every -On build of a program prints the same stdout as its
# -O0 build (bits-bmi-O2 the same as bits-O2), self-checking programs report
# "checks: 0 failed", args sees HVSIM_TEST_ENV, the -O3 vector build really
# contains SSE2 integer vector code, and none of our code contains AVX (or
# BMI outside bits-bmi-O2). The checkpointing programs: micro's and txprog's
# argument and script checks, the committed txprog scripts, and the builds in
# build/fake/ (make fake) with the library's pt and emul paths on the real kernel. Needs bash, coreutils, objdump; gcc only for the
# glibc object-code check (skipped without gcc).
set -u
cd "$(dirname "$0")"
OBJDUMP=${OBJDUMP:-objdump}
CC=${CC:-gcc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
update=no
[ "${1:-}" = --update ] && update=yes
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

has_cpu_flags() {
    for f in "$@"; do grep -qw "$f" /proc/cpuinfo || return 1; done
}

# ---- programs.tsv and bin/ agree ----
# Not listed, each run by tests of its own: the audit's scenario guests take a scenario as their
# argument (tests/HvSim.Tests/Checkpoint/Audit), and the soft-dirty and uffd-wp probes print what
# the host kernel answers, which their tests compare line by line with documented differences
# (this host's soft-dirty does not work; see docs/guest-kernel.md).
unlisted='ckptscenario ckptvma glibc-softdirty glibc-uffdwp'
cut -f1 programs.tsv | sort > "$tmp/listed"
(cd bin && ls) | grep -vxF -f <(tr ' ' '\n' <<<"$unlisted") | sort > "$tmp/built"
if ! cmp -s "$tmp/listed" "$tmp/built"; then
    fail "programs.tsv and bin/ differ:"
    diff "$tmp/listed" "$tmp/built"
fi

# ---- run each program twice ----
run() { # name args -> $tmp/name.{out,err,rc}.N
    local name=$1 args=$2 n=$3
    # The subshell keeps bash's "Segmentation fault" job message (written to
    # the waiting shell's stderr) out of the output for the fault programs.
    # shellcheck disable=SC2086  # args are space separated by design
    (env -u HVSIM_TEST_ENV timeout 120 "./bin/$name" $args \
        >"$tmp/$name.out.$n" 2>"$tmp/$name.err.$n"; exit $?) 2>/dev/null
    echo $? >"$tmp/$name.rc.$n"
}

# Fields are split on \037: bash's read collapses runs of tabs (tab is IFS
# whitespace), which would lose the empty args field.
while IFS=$'\037' read -r name args expect kind; do
    [ -x "bin/$name" ] || { fail "$name: not built"; continue; }
    if [ "$name" = bits-bmi-O2 ] && ! has_cpu_flags bmi1 abm popcnt; then
        echo "skip: $name needs bmi1/lzcnt/popcnt on this CPU"
        continue
    fi
    if [ "$kind" = glibc-v2 ] && ! has_cpu_flags sse4_2 ssse3 popcnt cx16; then
        echo "skip: $name needs an x86-64-v2 CPU"
        continue
    fi
    if [ "$kind" = glibc-v3 ] && ! has_cpu_flags avx2 bmi2 fma f16c movbe; then
        echo "skip: $name needs an x86-64-v3 CPU"
        continue
    fi
    run "$name" "$args" 1
    run "$name" "$args" 2
    rc=$(cat "$tmp/$name.rc.1")
    for s in out err rc; do
        cmp -s "$tmp/$name.$s.1" "$tmp/$name.$s.2" || fail "$name: $s differs between two runs"
    done
    [ "$rc" = "$expect" ] || fail "$name: exit status $rc, programs.tsv says $expect"
    if [ $update = yes ]; then
        mkdir -p expected
        cp "$tmp/$name.out.1" "expected/$name.out"
        cp "$tmp/$name.err.1" "expected/$name.err"
    fi
    for s in out err; do
        cmp -s "$tmp/$name.$s.1" "expected/$name.$s" || fail "$name: std$s differs from expected/$name.$s"
    done
    [ -s "$tmp/$name.out.1" ] || fail "$name: no stdout"
    if grep -q 'checks: ' "$tmp/$name.out.1" && ! grep -q 'checks: 0 failed' "$tmp/$name.out.1"; then
        fail "$name: self-checks failed"
        grep FAIL "$tmp/$name.out.1" | head -5
    fi
    case $kind in
    freestanding | glibc | glibc-v2 | glibc-v3 | fault) ;;
    *) fail "$name: unknown kind '$kind'" ;;
    esac
    printf '%-16s status %3s  stdout %6d bytes  stderr %4d bytes  %s\n' "$name" "$rc" \
        "$(wc -c <"$tmp/$name.out.1")" "$(wc -c <"$tmp/$name.err.1")" "$kind"
done < <(tr '\t' '\037' <programs.tsv)

# ---- every optimisation level prints the same thing ----
for p in hash sort divide strings recursion switch memory atomics vector bits; do
    for o in O1 O2 O3; do
        cmp -s "$tmp/$p-O0.out.1" "$tmp/$p-$o.out.1" || fail "$p-$o stdout differs from $p-O0"
    done
done
for p in signals vmas; do
    cmp -s "$tmp/$p-O0.out.1" "$tmp/$p-O2.out.1" || fail "$p-O2 stdout differs from $p-O0"
done
if [ -e "$tmp/bits-bmi-O2.out.1" ]; then
    cmp -s "$tmp/bits-O2.out.1" "$tmp/bits-bmi-O2.out.1" || fail "bits-bmi-O2 stdout differs from bits-O2"
fi

# ---- specific behaviours ----
grep -qx 'HVSIM_TEST_ENV is not set' "$tmp/args.out.1" || fail "args: HVSIM_TEST_ENV leaked in"
HVSIM_TEST_ENV='some value' ./bin/args x >"$tmp/args.env" 2>&1
grep -qx 'HVSIM_TEST_ENV=some value' "$tmp/args.env" || fail "args: HVSIM_TEST_ENV not printed"
grep -q 'stderr' "$tmp/exitcode.err.1" || fail "exitcode: nothing on stderr"
grep -q 'about to' "$tmp/fault.out.1" || fail "fault: line before the fault missing"
grep -q 'about to' "$tmp/ud2prog.out.1" || fail "ud2prog: line before ud2 missing"
grep -q 'about to' "$tmp/sigblocked.out.1" || fail "sigblocked: line before the fault missing"
grep -q 'handler ran' "$tmp/sigblocked.out.1" && fail "sigblocked: the handler of a blocked SIGSEGV ran"
./bin/bench-O2 nonsense >/dev/null 2>&1
[ $? = 2 ] || fail "bench-O2: bad argument should exit 2"

# ---- the checkpointing programs ----
for a in "64 4 17 10" "6 4 1 1" "64 1.2345 1 1" "64 4 1" "64 x 1 1"; do
    # shellcheck disable=SC2086
    ./bin/micro $a >/dev/null 2>&1
    [ $? = 2 ] || fail "micro $a: bad arguments should exit 2"
done
./bin/micro 64 1.3 0.5 1000 7 | grep -q ' writes=650 pages=500 ' || fail "micro: WPP 1.3, PPT 0.5 over 1000 transactions should make 650 writes on 500 pages"
for s in "" stack; do
    f=scripts/tx-sample${s:+-$s}.bin
    # shellcheck disable=SC2086
    ./bin/txprog emit-sample $s | cmp -s - "$f" || fail "$f is not what txprog emit-sample $s writes (make scripts)"
    # shellcheck disable=SC2086
    [ "$(./bin/txprog <"$f")" = "$(./bin/txprog sample $s)" ] || fail "txprog <$f differs from txprog sample $s"
done
printf 'HVTXSCR0' | ./bin/txprog >/dev/null 2>&1
[ $? = 2 ] || fail "txprog: a malformed script should exit 2"

# ---- the library's tracking paths on the real kernel ----
# build/fake/ holds the checkpointing programs built with ckpt/fake.c standing in for the
# simulator: CKPT_FAKE=pt|emul runs the SIGSEGV handler, mprotect, Emul's shared mapping and
# alias for real, and every commit checks the backup against the CDA (exit 3 on an untracked
# write). Each must print what the native run printed.
fake_run() { # technique name args -> $tmp/fake.{out,rc}
    # shellcheck disable=SC2086
    (env -u HVSIM_TEST_ENV CKPT_FAKE=$1 timeout 120 "./build/fake/$2" $3 \
        >"$tmp/fake.out" 2>"$tmp/fake.err"; exit $?) 2>/dev/null
    echo $? >"$tmp/fake.rc"
}
if [ -d build/fake ]; then
    fakes=0
    while IFS=$'\037' read -r name args expect kind; do
        [ -x "build/fake/$name" ] || continue
        runs=("$args")
        # The delete workload registers after its warm-up inserts: check that path too.
        case $name in ds-* | tb-*) "./bin/$name" delete 1 1024 1 >"$tmp/del.out" 2>&1 && runs+=("delete 1 1024 1") ;; esac
        for a in "${runs[@]}"; do
            # shellcheck disable=SC2086
            "./bin/$name" $a >"$tmp/native.out" 2>/dev/null
            for t in pt emul; do
                fake_run "$t" "$name" "$a"
                fakes=$((fakes + 1))
                [ "$(cat "$tmp/fake.rc")" = 0 ] || fail "$name $a under fake $t: exit status $(cat "$tmp/fake.rc") $(head -c 300 "$tmp/fake.err")"
                cmp -s "$tmp/native.out" "$tmp/fake.out" || fail "$name $a under fake $t: stdout differs from the native run"
            done
        done
    done < <(tr '\t' '\037' <programs.tsv)
    # A stack inside the CDA: the library's SIGSEGV handler runs on an alternate signal stack of
    # its own (SA_ONSTACK), so a push onto a protected stack page is tracked like any CDA write.
    ./bin/txprog sample stack >"$tmp/native.out" 2>/dev/null
    for t in pt emul; do
        fake_run "$t" txprog "sample stack"
        [ "$(cat "$tmp/fake.rc")" = 0 ] || fail "txprog sample stack under fake $t: status $(cat "$tmp/fake.rc"), expected 0"
        cmp -s "$tmp/native.out" "$tmp/fake.out" || fail "txprog sample stack under fake $t: stdout differs from the native run"
    done
    echo "fake pt/emul: $fakes runs of the checkpointing programs compared with their native runs"
else
    fail "build/fake/ not built (make -C guests fake)"
fi

# ---- instruction-set checks on our own code ----
dis() { "$OBJDUMP" -d -M intel --no-show-raw-insn "$1" | awk -F'\t' 'NF >= 2 { print $2 }'; }
dis bin/vector-O3 >"$tmp/vector.s"
for m in paddd pcmpgtd pshufd punpcklwd punpckldq pmovmskb pmuludq pand pandn; do
    grep -Eq "^$m( |$)" "$tmp/vector.s" || fail "vector-O3 has no $m"
done
avx_re='ymm|zmm|^v[a-z]+( |$)|^k(mov|or|and)[a-z]*( |$)'
bmi2_re='^(shlx|shrx|sarx|rorx|pdep|pext|bzhi|mulx)( |$)'
# tzcnt is allowed everywhere: gcc emits it (F3 0F BC, i.e. "rep bsf") for
# __builtin_ctz even for baseline x86-64, where it executes as bsf.
bmi_re='^(popcnt|lzcnt|andn|blsi|blsr|blsmsk|bextr)( |$)'
for f in bin/*; do
    case ${f#bin/} in glibc-*) continue ;; esac
    dis "$f" >"$tmp/d.s"
    # vmcall (the checkpoint library's call to the hvm hypervisor, ckpt_hvm.h) is VMX, not AVX.
    grep -Ev '^vmcall( |$)' "$tmp/d.s" | grep -Eq "$avx_re" && fail "$f contains AVX instructions"
    grep -Eq "$bmi2_re" "$tmp/d.s" && fail "$f contains BMI2 instructions"
    if [ "$f" != bin/bits-bmi-O2 ]; then
        grep -Eq "$bmi_re" "$tmp/d.s" && fail "$f contains popcnt/lzcnt/BMI1 instructions"
    fi
done
grep -Eq '^(popcnt|lzcnt)( |$)' <(dis bin/bits-bmi-O2) || fail "bits-bmi-O2 has no popcnt/lzcnt"
# The glibc ELFs are stripped and contain glibc's AVX IFUNC variants; check
# the object code compiled from our sources instead.
if command -v "$CC" >/dev/null; then
    for src in glibc/*.c; do
        o="$tmp/$(basename "$src" .c).o"
        "$CC" -c -std=gnu11 -march=x86-64 -mtune=generic -fcf-protection=none -O2 -fno-pie -Ickpt \
            -o "$o" "$src" 2>/dev/null || { fail "cannot compile $src"; continue; }
        dis "$o" | grep -Eq "$avx_re" && fail "$src compiles to AVX code"
    done
else
    echo "skip: no $CC, glibc object-code check not run"
fi

if [ "$fails" = 0 ]; then
    echo "check: all $(wc -l <programs.tsv) programs OK"
else
    echo "check: $fails failure(s)"
fi
[ "$fails" = 0 ]
