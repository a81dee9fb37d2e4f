#!/usr/bin/env bash
# NER on NCBI-disease (train -> devel, one DISEASE label) with identical NER heads, batches and
# step counts, for: the distilled student, the same student with random weights (no
# distillation), the teacher itself through stock spacy-transformers, spaCy's CNN tok2vec, and
# the demo's locally built backbone (its shape, a vocabulary learned from NCBI-disease train,
# random weights), which the student must beat to become the demo's default. Run from the
# repository root after benchmarks/distill/run.sh:
#
#   STEPS=400 LR=0.0005 benchmarks/distill/ner_compare.sh
#
# The student distilled from a random initialisation is trained too when RANDOM_DISTILLED=1.
# Killed runs start again from the first contender without metrics. Writes $OUT/<contender>/ and
# prints the table (benchmarks/distill/ner_table.py).
set -euo pipefail

PYTHON="${PYTHON:-python}"
STEPS="${STEPS:-400}"
EVAL="${EVAL:-100}"
LR="${LR:-0.0005}"
OUT="${OUT:-training/ner-compare}"
BASE="$OUT"  # corpora and the backbones made here
TEACHER=training/teachers/all-MiniLM-L6-v2
STUDENT=training/distill/minilm-student-teacher-init
RANDOM_DISTILLED=training/distill/minilm-student-random-init

mkdir -p "$BASE/corpus" "$OUT"
for split in train devel; do
    [[ -f "$BASE/corpus/$split.spacy" ]] || "$PYTHON" -m spacy_minialbert convert brat \
        "assets/ncbi-disease/$split" "$BASE/corpus/$split.spacy" --label-map '*=DISEASE' --no-progress
done
[[ -d "$BASE/undistilled-student" ]] || \
    "$PYTHON" benchmarks/distill/random_student.py "$STUDENT" "$BASE/undistilled-student"
# The demo's backbone (project.yml, demo-backbone), its vocabulary learned from NCBI-disease train.
[[ -d "$BASE/demo-backbone-weights" ]] || "$PYTHON" -m spacy_minialbert init-backbone \
    "$BASE/demo-backbone-weights" --text "$BASE/corpus/train.spacy" --vocab-size 8000 \
    --embedding-size 64 --hidden-size 128 --num-hidden-layers 4 --num-attention-heads 4 \
    --intermediate-size 512 --reduction-factor 16 --seed 0

train() {  # name config backbone learn-rate
    local name="$1" config="$2" backbone="$3" lr="$4" dir="$OUT/$1"
    if [[ -f "$dir/metrics/scores.json" ]]; then echo "$name: done"; return; fi
    rm -rf "$dir/model-best" "$dir/model-last" "$dir/log.jsonl"
    local backbone_option=()
    [[ -n "$backbone" ]] && backbone_option=(--paths.backbone "$backbone")
    /usr/bin/time -f "%e s wall" -o "$dir.time" "$PYTHON" -m spacy train "$config" --output "$dir" \
        --paths.train "$BASE/corpus/train.spacy" --paths.dev "$BASE/corpus/devel.spacy" \
        --paths.log "$dir/log.jsonl" "${backbone_option[@]}" \
        --training.max_steps "$STEPS" --training.eval_frequency "$EVAL" \
        --training.optimizer.learn_rate.total_steps "$STEPS" \
        --training.optimizer.learn_rate.warmup_steps 50 \
        --training.optimizer.learn_rate.initial_rate "$lr"
    "$PYTHON" -m spacy_minialbert evaluate "$dir/model-best" "$BASE/corpus/devel.spacy" \
        "$dir/metrics" --training-log "$dir/log.jsonl"
}

train distilled-student configs/ner.cfg "$STUDENT" "$LR"
train undistilled-student configs/ner.cfg "$BASE/undistilled-student" "$LR"
train cnn-tok2vec configs/baselines/ner_cnn.cfg "" 0.001
train teacher configs/baselines/ner_hf_transformer.cfg "$TEACHER" "$LR"
train demo-backbone configs/ner.cfg "$BASE/demo-backbone-weights" "$LR"
if [[ "${RANDOM_DISTILLED:-0}" == 1 ]]; then
    train distilled-student-random-init configs/ner.cfg "$RANDOM_DISTILLED" "$LR"
fi

"$PYTHON" benchmarks/distill/ner_table.py "$OUT" "$STUDENT" "$TEACHER"
