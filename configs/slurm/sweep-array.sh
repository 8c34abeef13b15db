#!/usr/bin/env bash
# Run a ccsim sweep on a Slurm cluster: one shard per array task, then a
# merge job once every shard has finished.
#
#   sweep-array.sh submit SPEC OUT N [--cpus C] [extra sbatch options]
#       checks SPEC (a bad spec submits nothing), then submits an array of N
#       tasks (each running `shard`) and a merge job that starts when all of
#       them succeed; results end in OUT/merged. Each task gets C CPUs
#       (default: the fewest CPUs a node of the cluster has, as `sinfo`
#       reports, or 1). The extra options (--partition, --account, --time...)
#       go to both the array and the merge job.
#   sweep-array.sh shard SPEC OUT
#       (inside an array task) runs shard $SLURM_ARRAY_TASK_ID of
#       $SLURM_ARRAY_TASK_COUNT into OUT/shard-$SLURM_ARRAY_TASK_ID, resuming
#       it if a previous attempt was cut short (requeued or timed out).
#   sweep-array.sh merge SPEC OUT
#       merges OUT/shard-* into OUT/merged.
#
# SPEC, OUT and the script are resolved to absolute paths at submission, so
# it runs from any folder. The ccsim binary is $CCSIM if set, else `ccsim` on
# PATH, also resolved at submission. Each task uses $SLURM_CPUS_PER_TASK
# threads.
#SBATCH --job-name=ccsim-sweep
#SBATCH --time=04:00:00
#SBATCH --requeue
set -euo pipefail

usage="usage: sweep-array.sh submit SPEC OUT N [--cpus C] [sbatch options] | shard SPEC OUT | merge SPEC OUT"
mode=${1:?$usage}
spec=${2:?missing SPEC; $usage}
out=${3:?missing OUT; $usage}
ccsim=${CCSIM:-ccsim}

case "$mode" in
  submit)
    n=${4:?missing N, the number of shards; $usage}
    shift 4
    cpus=""
    if [ "${1:-}" = "--cpus" ]; then
      cpus=${2:?--cpus needs a number}
      shift 2
    fi
    if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
      echo "sweep-array.sh: N must be a whole number of shards, at least 1 (found '$n')" >&2
      exit 2
    fi
    if [ -z "$cpus" ]; then
      # The smallest node decides: a task asking for more CPUs than any
      # node has would wait in the queue for ever.
      cpus=$(sinfo -h -o '%c' 2>/dev/null | tr -dc '0-9\n' | sort -n | head -n 1 || true)
      cpus=${cpus:-1}
    fi
    if ! [[ "$cpus" =~ ^[1-9][0-9]*$ ]]; then
      echo "sweep-array.sh: --cpus must be a whole number, at least 1 (found '$cpus')" >&2
      exit 2
    fi
    ccsim=$(command -v "$ccsim") || { echo "sweep-array.sh: no ccsim binary at '${CCSIM:-ccsim}'; set CCSIM" >&2; exit 2; }
    script=$(readlink -f "$0")
    spec=$(readlink -f "$spec")
    out=$(readlink -m "$out")
    # A bad spec (or a scenario it cannot find) is refused here, not in N tasks.
    "$ccsim" sweep "$spec" --dry-run
    mkdir -p "$out/logs"
    export CCSIM="$ccsim"
    array=$(sbatch --parsable --export=ALL --array="1-$n" --cpus-per-task="$cpus" \
      --output="$out/logs/shard-%a.out" "$@" "$script" shard "$spec" "$out")
    merge=$(sbatch --parsable --export=ALL --dependency="afterok:${array%%;*}" --cpus-per-task=1 \
      --output="$out/logs/merge.out" "$@" "$script" merge "$spec" "$out")
    echo "submitted array job ${array%%;*} ($n shards, $cpus CPUs each) and merge job ${merge%%;*}; results in $out/merged"
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
