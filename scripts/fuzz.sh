#!/usr/bin/env bash
# Runs one libFuzzer target, built by clang-14 with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-fuzz/.
#   scripts/fuzz.sh TARGET SECONDS [--max-len BYTES] [--jobs N]
#   scripts/fuzz.sh --save-corpus TARGET [BYTES]
# TARGET:
#   model_bytes      arbitrary bytes -> load, verify, prepare, invoke
#   model_structure  FlatBuffers field edits of converted models -> the same
#   onnx_import      ONNX models, edited by a structure-aware mutator -> the
#                    converter; what converts must load and prepare
# Seeds: the committed corpus tests/fuzz/corpus/TARGET/, BlazeFace front and
# PP-OCR cls converted to float32 and int8, and small ONNX test models
# (Debian's libonnx-testdata) converted to float32; onnx_import starts from
# the ONNX files themselves. The corpus grows in build-fuzz/corpus/TARGET from
# run to run. A crash is saved under build-fuzz/crashes/TARGET/ and the script
# fails: copy the file to tests/fuzz/regressions/ (as NAME.kite or NAME.onnx),
# where ctest replays it.
# --max-len BYTES: a campaign on small inputs (many more executions a second):
#   seeds larger than BYTES are left out, the corpus is build-fuzz/corpus/TARGET-BYTES.
# --jobs N: N fuzzer processes at once (one per core) sharing the corpus; their
#   executions add up, and a crash in any is the run's finding.
# Every run is tallied in build-fuzz/campaign.tsv; the script prints how many
#   executions the target has had on these sources since its last finding.
# --save-corpus: merges the units of build-fuzz/corpus/TARGET* up to BYTES
#   (default 32768) that add coverage into tests/fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
save_corpus=0
if [[ ${1:-} == --save-corpus ]]; then
  save_corpus=1
  shift
  if [[ $# -lt 1 || $# -gt 2 || ! ${2:-32768} =~ ^[0-9]+$ ]]; then usage >&2; exit 2; fi
  target=${1#fuzz_}
  max_len=${2:-32768}
else
  if [[ $# -lt 2 || ! $2 =~ ^[0-9]+$ ]]; then usage >&2; exit 2; fi
  target=${1#fuzz_}
  seconds=$2
  max_len=
  jobs=1
  shift 2
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --max-len) [[ ${2:-} =~ ^[0-9]+$ ]] || { usage >&2; exit 2; }; max_len=$2; shift 2 ;;
      --jobs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }; jobs=$2; shift 2 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
fi
case "$target" in
  model_bytes|model_structure|onnx_import) ;;
  *) echo "fuzz.sh: unknown target '$target' (model_bytes, model_structure, onnx_import)" >&2; exit 2 ;;
esac

scripts/setup-deps.sh --sanitize
# The sources the target is built from, named by their content (committed
# blobs and any uncommitted change): runs on the same sources add up in the
# tally, and a finding on them resets it. Taken before the build.
sources=(runtime schemas 'tests/fuzz/*.cc' tests/fuzz/CMakeLists.txt tests/support tests/CMakeLists.txt CMakeLists.txt)
[[ $target == onnx_import ]] && sources+=(converter)
tree=$( (git ls-files -s -- "${sources[@]}"; git diff HEAD -- "${sources[@]}") 2>/dev/null | sha1sum | cut -c1-12)

build=build-fuzz
cmake -S . -B $build -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKITE_FUZZ=ON >/dev/null
cmake --build $build -j2 --target "fuzz_$target" kite
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
committed=tests/fuzz/corpus/$target

if [[ $save_corpus -eq 1 ]]; then
  small=$build/corpus-small-$target
  rm -rf "$small" && mkdir -p "$small" "$committed"
  # One cp a file: the same unit (named by its hash) may be in two corpora.
  find "$build/corpus" -maxdepth 2 -path "$build/corpus/$target*" -type f -size -$((max_len + 1))c -print0 |
    while IFS= read -r -d '' unit; do cp -f "$unit" "$small/"; done
  before=$(ls "$committed" | wc -l)
  $build/tests/fuzz/fuzz_$target -merge=1 -max_len="$max_len" "$committed" "$small" >$build/merge_$target.log 2>&1
  echo "fuzz.sh: $committed: $before -> $(ls "$committed" | wc -l) units, $(du -sh "$committed" | cut -f1)"
  exit 0
fi

# Seeds, made once.
seeds=$build/seeds
if [[ ! -f $seeds/.done ]]; then
  rm -rf "$seeds" && mkdir -p "$seeds/kite" "$seeds/onnx"
  scripts/fetch-models.sh $build/models --models-only
  photos=$(dirname "$(dpkg -L python3-skimage | grep '/skimage/data/astronaut.png$')")
  mkdir -p "$seeds/calibration"
  for f in chelsea.png coffee.png rocket.jpg; do ln -sf "$photos/$f" "$seeds/calibration/$f"; done
  convert() {  # convert ONNX NAME [kite convert options]
    local onnx=$1 name=$2
    shift 2
    $build/converter/kite convert "$onnx" -o "$seeds/kite/$name.kite" "$@" >/dev/null 2>&1 || true
  }
  blazeface=$build/models/blazeface/package/ONNX/face_detection_front_128x128_barracuda.onnx
  cls=$build/models/ocr/package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx
  echo "fuzz.sh: converting seed models"
  convert "$blazeface" blazeface_front
  convert "$blazeface" blazeface_front_int8 --quantize int8 --calibration "$seeds/calibration" --mean 0.5 --std 0.5
  convert "$cls" ppocr_cls --input-shape x:1,3,48,192
  convert "$cls" ppocr_cls_int8 --input-shape x:1,3,48,192 --quantize int8 --calibration "$seeds/calibration" --mean 0.5 --std 0.5
  cp "$blazeface" "$cls" "$seeds/onnx/"
  testdata=$(dirname "$(dirname "$(dpkg -L libonnx-testdata | grep '/data/node/test_abs/model.onnx$')")")
  for dir in "$testdata"/*/; do
    case "$(basename "$dir")" in
      test_conv*|test_add*|test_mul_bcast|test_maxpool_2d*|test_averagepool_2d*|test_globalaveragepool*|test_softmax_axis*|\
      test_concat*|test_transpose*|test_resize*|test_pad*|test_slice*|test_gemm*|test_matmul*|test_relu|test_clip*|\
      test_reshape*|test_split*|test_reduce_mean*|test_leakyrelu*|test_hardswish*|test_hardsigmoid*|test_sigmoid*|\
      test_gather*|test_where*|test_greater*|test_less*|test_and*|test_not*|test_expand*|test_mod*|test_add_uint8|\
      test_argmax*|test_tril*|test_triu*|test_layer_norm*|test_cumsum*|test_maxpool_3d*) ;;
      *) continue ;;
    esac
    name=$(basename "$dir")
    cp "$dir/model.onnx" "$seeds/onnx/$name.onnx"
    convert "$dir/model.onnx" "$name"
  done
  echo "fuzz.sh: $(ls "$seeds/kite" | wc -l) .kite seeds, $(ls "$seeds/onnx" | wc -l) ONNX seeds"
  touch "$seeds/.done"
fi
seed_dir=$seeds/kite
[[ $target == onnx_import ]] && seed_dir=$seeds/onnx
seed_dirs=("$seed_dir")
[[ -d $committed ]] && seed_dirs+=("$committed")

corpus=$build/corpus/$target
if [[ -n $max_len ]]; then
  # Only the seeds that fit: libFuzzer would cut the others to max_len.
  corpus=$build/corpus/$target-$max_len
  small=$build/seeds-$target-$max_len
  rm -rf "$small" && mkdir -p "$small"
  find "${seed_dirs[@]}" -type f -size -$((max_len + 1))c -exec cp -t "$small" {} +  # libFuzzer skips symlinks
  seed_dirs=("$small")
else
  # -max_len: the largest seed (a real model) must fit, or its mutants are cut.
  max_len=$(( $(find "${seed_dirs[@]}" -type f -printf '%s\n' | sort -n | tail -1) + 4096 ))
fi
crashes=$build/crashes/$target
mkdir -p "$corpus" "$crashes"
log=$build/fuzz_$target.log
echo "fuzz.sh: fuzz_$target for $seconds s, $jobs process(es), inputs up to $max_len bytes (log: $log)"
status=0
pids=()
logs=()
rm -f "$log".[0-9]*  # left by an earlier run with more jobs
for ((j = 1; j <= jobs; ++j)); do
  # One log per process; the first is $log.
  job_log=$log
  [[ $j -gt 1 ]] && job_log=$log.$j
  $build/tests/fuzz/fuzz_$target -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$corpus" "${seed_dirs[@]}" >"$job_log" 2>&1 &
  pids+=($!)
  logs+=("$job_log")
done
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
for job_log in "${logs[@]}"; do
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::peak_rss_mb|^stat::new_units_added' "$job_log" |
    sed "s|^|fuzz.sh: $(basename "$job_log"): |" || true
done
executions=$(cat "${logs[@]}" | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{ n += $1 } END { print n + 0 }')
result=clean
[[ $status -ne 0 ]] && result=finding
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$tree" "$target" "$max_len" "$seconds" \
  "${executions:-0}" "$result" >>$build/campaign.tsv
awk -F'\t' -v tree="$tree" -v target="$target" '
  $2 == tree && $3 == target { if ($7 == "finding") { n = 0; runs = 0 } else { n += $6; runs++ } }
  END { printf "fuzz.sh: fuzz_%s on sources %s: %d executions in %d runs since the last finding\n", target, tree, n, runs }' \
  $build/campaign.tsv

if [[ $status -ne 0 ]]; then
  grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written' "${logs[@]}" | head -n 8 >&2 || true
  echo "fuzz.sh: fuzz_$target found a crash (exit $status): see ${logs[*]} and $crashes/" >&2
  exit 1
fi
echo "fuzz.sh: fuzz_$target: no crash in $seconds s"
