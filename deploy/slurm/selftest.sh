#!/bin/bash
# The Slurm recipe, tested on this machine: a single-node Slurm (slurmctld and slurmd on
# localhost, munge for authentication) runs a 4-shard job array of a small sweep and the
# dependent merge; the merged files must equal an unsharded run's, byte for byte.
#   deploy/slurm/selftest.sh [HVSIM]     (HVSIM: the command, default: dotnet sim/Cli/bin/Release/net10.0/hvsim.dll)
# Exit 0 when it passed; 1 when it failed; 0 with "skipped: REASON" when Slurm cannot run here
# (no apt to install it, not root, daemons that do not come up), so CI reports rather than fails.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
hvsim=${1:-dotnet $repo/sim/Cli/bin/Release/net10.0/hvsim.dll}
skip() { echo "slurm self-test: skipped: $*"; exit 0; }
fail() { echo "slurm self-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "not root (a single-node Slurm needs its daemons started as root)"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } >/dev/null 2>&1 \
        || skip "slurm-wlm and munge are not installed and apt-get could not install them"
fi

work=$(mktemp -d /tmp/hvsim-slurm.XXXXXX)
conf=$work/slurm.conf
export SLURM_CONF=$conf
cleanup() {
    [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null
    [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null
    [ -n "${munge_pid:-}" ] && kill "$munge_pid" 2>/dev/null
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# munge: a key of our own and a daemon on a socket of our own, so nothing of the host's is touched.
mkdir -p "$work/munge" && chmod 700 "$work/munge"
dd if=/dev/urandom bs=1 count=1024 of="$work/munge/munge.key" 2>/dev/null && chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" >/dev/null 2>&1 || skip "munged did not start"
munge_pid=$(cat "$work/munge/munged.pid" 2>/dev/null)

node=$(hostname -s)
cpus=$(nproc)
mkdir -p "$work/ctld" "$work/d"
cat > "$conf" <<CONF
ClusterName=hvsim-selftest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/ctld
SlurmdSpoolDir=$work/d
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=selftest Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$conf" -i >/dev/null 2>&1 || skip "slurmctld did not start ($(tail -1 "$work/slurmctld.log" 2>/dev/null))"
slurmd -f "$conf" >/dev/null 2>&1 || skip "slurmd did not start ($(tail -1 "$work/slurmd.log" 2>/dev/null))"
for _ in $(seq 60); do
    state=$(sinfo -h -o %T 2>/dev/null | head -1)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || skip "the node did not come up (state '${state:-none}': $(tail -1 "$work/slurmd.log" 2>/dev/null))"

# A small sweep: 24 points.
spec=$work/spec.json
cat > "$spec" <<SPEC
{ "name": "slurm-selftest", "command": "micro",
  "fixed": { "platform": "xen-pv", "tcount": 10, "cda-kib": 64, "ppt": 2 },
  "axes": { "technique": ["pt", "emul", "ptxen", "emulxen"], "wpp": [1, 4, 16], "seed": [1, 2] } }
SPEC
export HVSIM="$hvsim"
cd "$work"
jobs=$("$repo/deploy/slurm/submit.sh" "$spec" 4 "$work/shards" "$work/merged") || fail "sbatch refused the jobs"
merge_job=${jobs##* }
for _ in $(seq 300); do
    [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
    sleep 1
done
[ -z "$(squeue -h -o %i)" ] || fail "the jobs did not finish in 300 s: $(squeue -h)"
[ -f "$work/merged.csv" ] || fail "the merge job ($merge_job) wrote nothing: $(cat "$work"/hvsim-sweep-merge-*.out "$work"/hvsim-sweep-*.out 2>/dev/null | tail -5)"
ls "$work/shards"/shard-*-of-4.jsonl >/dev/null 2>&1 || fail "no shard files"

$hvsim sweep "$spec" --out "$work/unsharded" >/dev/null || fail "the unsharded run failed"
$hvsim sweep merge "$work/unsharded" --out "$work/expected" >/dev/null || fail "the unsharded merge failed"
cmp -s "$work/merged.csv" "$work/expected.csv" || fail "merged.csv differs from the unsharded run's"
cmp -s "$work/merged.json" "$work/expected.json" || fail "merged.json differs from the unsharded run's"
echo "slurm self-test: passed: 4 array tasks and a dependent merge gave the unsharded run's $(($(wc -l < "$work/merged.csv") - 1)) points byte for byte"
