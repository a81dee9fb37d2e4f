#!/usr/bin/env bash
# NER on NCBI-disease (train -> devel, one DISEASE label) with identical NER heads, batches and
# step counts, for: the distilled students (teacher- and random-initialised distillation), the
# same student with random weights (no distillation), the teacher itself through stock
# spacy-transformers, and spaCy's CNN tok2vec. Run from the repository root after
# benchmarks/distill/run.sh:
#
#   benchmarks/distill/ner_compare.sh          (STEPS=600 LR=0.0001 by default)
#
# Writes training/ner-compare/<contender>/ and prints the table (benchmarks/distill/ner_table.py).
set -euo pipefail

PYTHON="${PYTHON:-python}"
STEPS="${STEPS:-600}"
EVAL="${EVAL:-100}"
LR="${LR:-0.0001}"
OUT="${OUT:-training/ner-compare}"
TEACHER=training/teachers/all-MiniLM-L6-v2
STUDENT=training/distill/minilm-student-teacher-init
RANDOM_DISTILLED=training/distill/minilm-student-random-init

mkdir -p "$OUT/corpus"
for split in train devel; do
    [[ -f "$OUT/corpus/$split.spacy" ]] || "$PYTHON" -m spacy_minialbert convert brat \
        "assets/ncbi-disease/$split" "$OUT/corpus/$split.spacy" --label-map '*=DISEASE' --no-progress
done
[[ -d "$OUT/undistilled-student" ]] || \
    "$PYTHON" benchmarks/distill/random_student.py "$STUDENT" "$OUT/undistilled-student"

train() {  # name config backbone learn-rate
    local name="$1" config="$2" backbone="$3" lr="$4" dir="$OUT/$1"
    if [[ -f "$dir/metrics/scores.json" ]]; then echo "$name: done"; return; fi
    rm -rf "$dir/model-best" "$dir/model-last" "$dir/log.jsonl"
    local backbone_option=()
    [[ -n "$backbone" ]] && backbone_option=(--paths.backbone "$backbone")
    /usr/bin/time -f "%e s wall" -o "$dir.time" "$PYTHON" -m spacy train "$config" --output "$dir" \
        --paths.train "$OUT/corpus/train.spacy" --paths.dev "$OUT/corpus/devel.spacy" \
        --paths.log "$dir/log.jsonl" "${backbone_option[@]}" \
        --training.max_steps "$STEPS" --training.eval_frequency "$EVAL" \
        --training.optimizer.learn_rate.total_steps "$STEPS" \
        --training.optimizer.learn_rate.warmup_steps 50 \
        --training.optimizer.learn_rate.initial_rate "$lr"
    "$PYTHON" -m spacy_minialbert evaluate "$dir/model-best" "$OUT/corpus/devel.spacy" \
        "$dir/metrics" --training-log "$dir/log.jsonl"
}

mkdir -p "$OUT"
train distilled-student configs/ner.cfg "$STUDENT" "$LR"
train undistilled-student configs/ner.cfg "$OUT/undistilled-student" "$LR"
train cnn-tok2vec configs/baselines/ner_cnn.cfg "" 0.001
train teacher configs/baselines/ner_hf_transformer.cfg "$TEACHER" "$LR"
train distilled-student-random-init configs/ner.cfg "$RANDOM_DISTILLED" "$LR"

"$PYTHON" benchmarks/distill/ner_table.py "$OUT" "$STUDENT" "$TEACHER"
