#!/usr/bin/env bash
# The comparison: two MiniALBERT students of all-MiniLM-L6-v2, distilled on MTSamples
# transcriptions + NCBI-disease train abstracts with identical settings except the
# initialisation (teacher / random). Run from the repository root:
#
#   benchmarks/distill/run.sh              both runs at once (one CPU thread each)
#   MODE=sequential benchmarks/distill/run.sh
#
# Killed runs resume exactly: run the script again. Outputs: training/distill/minilm-student-
# {teacher,random}-init/ (student, metrics.jsonl, loss.png, distillation.json, log.txt).
set -euo pipefail

PYTHON="${PYTHON:-python}"
DISTILL="${DISTILL:-spacy-minialbert distill}"
MODE="${MODE:-parallel}"
CONFIG=configs/distill/minilm-student.cfg

PYTHON="$PYTHON" benchmarks/distill/fetch_teacher.sh training/teachers/all-MiniLM-L6-v2
"$PYTHON" benchmarks/distill/prepare_data.py \
    --mtsamples assets/mtsamples/mtsamples.csv \
    --ncbi-train assets/ncbi-disease/train \
    --output training/distill-data/mtsamples-ncbi-train.jsonl

run() {
    local init="$1" output="training/distill/minilm-student-$1-init"
    mkdir -p "$output"
    # An existing checkpoint in $output makes this a resume. The log waits beside the output
    # directory (a fresh run needs an empty one) and is appended to its log.txt at the end.
    nice -n 10 $DISTILL "$CONFIG" "$output" --initialization.method "$init" \
        >>"$output.log" 2>&1
    cat "$output.log" >>"$output/log.txt" && rm "$output.log"
}

mkdir -p training/distill
if [[ "$MODE" == parallel ]]; then
    run teacher & teacher_pid=$!
    run random & random_pid=$!
    wait "$teacher_pid"
    wait "$random_pid"
else
    run teacher
    run random
fi
"$PYTHON" benchmarks/distill/summarize.py \
    training/distill/minilm-student-teacher-init training/distill/minilm-student-random-init \
    --teacher training/teachers/all-MiniLM-L6-v2
