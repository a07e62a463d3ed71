#!/bin/bash
# Submits a sweep to Slurm: N array tasks, one shard each, then a merge that runs when all of
# them succeeded (docs/sweeps.md).
#   deploy/slurm/submit.sh SPEC N OUTDIR RESULT [sbatch options...]
# Prints the two job ids (array, merge). Extra options go to both sbatch calls (--partition=...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
spec=${1:?usage: submit.sh SPEC N OUTDIR RESULT [sbatch options...]}
shards=${2:?usage: submit.sh SPEC N OUTDIR RESULT [sbatch options...]}
out=${3:?usage: submit.sh SPEC N OUTDIR RESULT [sbatch options...]}
result=${4:?usage: submit.sh SPEC N OUTDIR RESULT [sbatch options...]}
shift 4
case $shards in ''|*[!0-9]*|0) echo "submit.sh: N must be a whole number >= 1, not '$shards'" >&2; exit 2;; esac
array=$(sbatch --parsable "$@" --array="0-$((shards - 1))" "$here/sweep.sbatch" "$spec" "$out")
array=${array%%;*}
merge=$(sbatch --parsable "$@" --dependency="afterok:$array" "$here/merge.sbatch" "$out" "$result")
echo "$array ${merge%%;*}"
