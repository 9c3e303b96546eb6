#!/usr/bin/env bash
# Runs the similar-task method's ablations (K, temperature, plain vote, per-layer ratios,
# similarity measure) for one model, reusing the θ0 and the mask bank of its main experiment run:
#   docs/experiments/run-ablations.sh vit      runs/fashion-vit      [extra sprig options]
#   docs/experiments/run-ablations.sh resnet20 runs/fashion-resnet20 [extra sprig options]
# Each ablation writes runs/ablations/<model>-<name>/ (report.md, results.json); the bank is
# copied in from the main run (same settings, same bank hash), so it is not built again.
# ONLY="k1 layers-uniform" runs only those ablations.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
model="$1"; main="$2"; shift 2
for cfg in "$here"/ablations/"$model"-*.json; do
  name="$(basename "$cfg" .json)"
  if [[ -n "${ONLY:-}" && " $ONLY " != *" ${name#"$model"-} "* ]]; then continue; fi
  out="runs/ablations/$name"
  mkdir -p "$out"
  [[ -d "$out/pretrained" ]] || cp -r "$main/pretrained" "$out/"
  for b in "$main"/bank-*; do [[ -d "$out/$(basename "$b")" ]] || cp -r "$b" "$out/"; done
  echo "== $name"
  "$root/sprig" experiment --config "$cfg" --out "$out" "$@"
done
