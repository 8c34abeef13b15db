#!/usr/bin/env bash
# Run a ccsim sweep on a Slurm cluster: one shard per array task, then a
# merge job once every shard has finished.
#
#   configs/slurm/sweep-array.sh submit SPEC OUT N [extra sbatch options]
#       submits an array of N tasks (each running `shard`) and a merge job
#       that starts when all of them succeed; results end in OUT/merged.
#   configs/slurm/sweep-array.sh shard SPEC OUT
#       (inside an array task) runs shard $SLURM_ARRAY_TASK_ID of
#       $SLURM_ARRAY_TASK_COUNT into OUT/shard-$SLURM_ARRAY_TASK_ID, resuming
#       it if a previous attempt was cut short (requeued or timed out).
#   configs/slurm/sweep-array.sh merge SPEC OUT
#       merges OUT/shard-* into OUT/merged.
#
# The ccsim binary is $CCSIM if set, else `ccsim` on PATH. Each task uses
# $SLURM_CPUS_PER_TASK threads.
#SBATCH --job-name=ccsim-sweep
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --requeue
set -euo pipefail

ccsim=${CCSIM:-ccsim}
mode=${1:?usage: sweep-array.sh submit|shard|merge SPEC OUT [N]}
spec=${2:?missing SPEC}
out=${3:?missing OUT}

case "$mode" in
  submit)
    n=${4:?missing N, the number of shards}
    shift 4
    mkdir -p "$out/logs"
    array=$(sbatch --parsable --array="1-$n" --output="$out/logs/shard-%a.out" "$@" "$0" shard "$spec" "$out")
    sbatch --parsable --dependency="afterok:$array" --cpus-per-task=1 --output="$out/logs/merge.out" "$0" merge "$spec" "$out"
    ;;
  shard)
    i=${SLURM_ARRAY_TASK_ID:?run inside a Slurm array job}
    n=${SLURM_ARRAY_TASK_COUNT:?run inside a Slurm array job}
    dir="$out/shard-$i"
    resume=()
    if [ -f "$dir/manifest.json" ]; then resume=(--resume); fi
    "$ccsim" sweep "$spec" --out "$dir" --shard "$i/$n" -j "${SLURM_CPUS_PER_TASK:-1}" --quiet "${resume[@]}"
    ;;
  merge)
    "$ccsim" merge "$out"/shard-* --out "$out/merged"
    ;;
  *)
    echo "sweep-array.sh: unknown mode '$mode' (submit, shard or merge)" >&2
    exit 2
    ;;
esac
