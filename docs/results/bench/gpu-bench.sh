#!/usr/bin/env bash
# The GPU benchmarks of docs/performance.md ("GPU: tensor cores, graphs and the larger benchmarks"), Cortex and PyTorch
# back to back on the same GPU, every output kept in one folder.
#
#   usage, from the repository root:  bash docs/results/bench/gpu-bench.sh [OUT] [PART ...]
#     OUT   folder for the outputs (default docs/results/bench/gpu-<UTC date-time>)
#     PART  tests | conv | blt | v1-v2-v4-it | cornet-rt | torch | all   (default: all = every part but tests, in that order)
#
# Cortex runs from the device layout that the packing tool writes (.device/: a .NET runtime and framework-dependent
# builds; `source .device/env.sh` puts dotnet on the PATH), else from an installed `cortex`, else with `dotnet run`.
# PyTorch runs where python3 imports torch with CUDA; otherwise that part says so and is skipped. Each command runs under
# `timeout ${CORTEX_BENCH_TIMEOUT:-540}` seconds, and a failing one does not stop the others; parts can be run in
# separate calls into the same OUT (the torch part reads the ledger counts from the Cortex parts' JSON when present).
set -uo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-docs/results/bench/gpu-$(date -u +%Y%m%d-%H%M)}
shift || true
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(all)
mkdir -p "$out"
limit=${CORTEX_BENCH_TIMEOUT:-540}
bench=docs/results/bench
nets=configs/networks

if [ -f .device/env.sh ]; then
  # shellcheck disable=SC1091
  source .device/env.sh
  cortex=(dotnet .device/Cortex.Cli/cortex.dll)
  tests=(dotnet .device/Cortex.Tests/Cortex.Tests.dll)
elif command -v cortex >/dev/null; then
  cortex=(cortex)
  tests=(dotnet test Cortex.Tests -c Release --)
else
  cortex=(dotnet run -c Release --project Cortex.Cli --)
  tests=(dotnet test Cortex.Tests -c Release --)
fi

# run NAME COMMAND...: the command's standard output and error into OUT/NAME.txt (and on the console), its exit status noted.
run() {
  local name=$1
  shift
  echo "== $name: $*" | tee -a "$out/commands.txt"
  timeout "$limit" "$@" 2>&1 | tee "$out/$name.txt"
  local rc=${PIPESTATUS[0]}
  echo "== $name: exit $rc" | tee -a "$out/commands.txt"
}

wants() {
  local p
  for p in "${parts[@]}"; do
    if [ "$p" = "$1" ] || { [ "$p" = all ] && [ "$1" != tests ]; }; then return 0; fi
  done
  return 1
}

{
  date -u +"%Y-%m-%d %H:%M:%S UTC"
  git rev-parse HEAD 2>/dev/null || echo "commit unknown"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>/dev/null || echo "nvidia-smi not found"
  nproc
} > "$out/machine.txt"
cat "$out/machine.txt"

if wants tests; then
  # The CUDA cases of the tests that the development machines skip: implicit-GEMM convolutions against the CPU path,
  # tensor cores against the exact emulation, training-step modes and CUDA graphs, and the kernels they build on.
  run tests "${tests[@]}" --filter "FullyQualifiedName~ImplicitGemmConvTests|FullyQualifiedName~TrainingStepModeTests|FullyQualifiedName~Conv2dTests|FullyQualifiedName~ConvTranspose2dTests|FullyQualifiedName~GemmTests|FullyQualifiedName~OptimiserTests"
fi

for precision in tf32 fp32; do
  if wants conv; then
    for batch in 128 1024; do
      run "conv-$precision-b$batch" "${cortex[@]}" bench --device cuda --precision "$precision" --batch "$batch" --json "$out/conv-$precision-b$batch.json"
    done
  fi
  if wants blt; then
    run "train-blt-$precision" "${cortex[@]}" bench train --device cuda --precision "$precision" --network "$nets/blt.yaml" \
      --batch 128,1024 --json "$out/train-blt-$precision.json"
  fi
  if wants v1-v2-v4-it; then
    run "train-v1-v2-v4-it-64-$precision" "${cortex[@]}" bench train --device cuda --precision "$precision" --network "$nets/v1-v2-v4-it.yaml" \
      --input 3x64x64 --batch 128,256,1024 --json "$out/train-v1-v2-v4-it-64-$precision.json"
  fi
  if wants cornet-rt; then
    run "train-cornet-rt-224-$precision" "${cortex[@]}" bench train --device cuda --precision "$precision" --network "$nets/cornet-rt.yaml" \
      --batch 128,256,1024 --json "$out/train-cornet-rt-224-$precision.json"
  fi
done

if wants torch; then
  if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    # The ledger's multiply-accumulates per image, from any Cortex JSON of this folder, so both sides count FLOPs alike.
    macs=()
    for pair in blt:train-blt v1-v2-v4-it:train-v1-v2-v4-it-64 cornet-rt:train-cornet-rt-224; do
      name=${pair%%:*}
      file=$(ls "$out/${pair#*:}"-*.json 2>/dev/null | head -n 1)
      if [ -n "$file" ]; then
        n=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["MacsPerImage"])' "$file" 2>/dev/null) && macs+=(--macs "$name=$n")
      fi
    done
    for precision in fp32 tf32; do
      run "torch-conv-$precision" python3 "$bench/torch_conv.py" "$precision"
    done
    run torch-train-blt python3 "$bench/torch_train.py" --networks blt --batch 128,1024 "${macs[@]}" --json "$out/torch-train.jsonl"
    run torch-train-v1-v2-v4-it-64 python3 "$bench/torch_train.py" --networks v1-v2-v4-it --batch 128,256,1024 "${macs[@]}" --json "$out/torch-train.jsonl"
    run torch-train-cornet-rt-224 python3 "$bench/torch_train.py" --networks cornet-rt --batch 128,256,1024 "${macs[@]}" --json "$out/torch-train.jsonl"
  else
    echo "torch: python3 cannot import torch with CUDA here; the PyTorch side is skipped" | tee "$out/torch-skipped.txt"
  fi
fi

echo "outputs: $out"
