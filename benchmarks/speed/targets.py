"""The goals the speed run is held to, each as measured against its goal."""

from __future__ import annotations

from benchmarks.speed.measure import paired_ratio
from benchmarks.speed.results import SpeedResults, Target

BERT = "bert-base (spacy-transformers)"
BERT_INT8 = "bert-base int8 (spacy-transformers)"
CORPORA = ("mtsamples", "ncbi")


def targets(results: SpeedResults) -> list[Target]:
    """Ratios are paired by round (see ``paired_ratio``); encoders at the first shape."""
    checks: list[Target] = []

    def add(name: str, value: float | None, goal: float, unit: str = "x", lower: bool = False):
        checks.append(Target(name, value, goal, unit, lower))

    enc, pipes = results.encoders, results.pipelines
    if "minialbert-312" in enc:
        first = next(iter(enc["minialbert-312"].shapes))
        ours = enc["minialbert-312"].shapes[first]
        base = enc["bert-base"].shapes[first].tokens_per_s.rounds if "bert-base" in enc else []
        ratio = paired_ratio(ours.tokens_per_s.rounds, base)
        add(f"encoder fp32 / bert-base fp32 ({first})", ratio, 1.9)
        share = ours.fraction_of_fp32_ceiling
        add(f"encoder fp32 share of fp32 matmul ceiling ({first})", share, 0.85, "share")

    def words(name: str, corpus: str) -> list[float]:
        return pipes[name].words_per_s[corpus].rounds if name in pipes else []

    if pipes:
        for corpus in CORPORA:
            ratio = paired_ratio(words("minialbert-312", corpus), words(BERT, corpus))
            add(f"pipeline fp32 / bert-base pipeline ({corpus})", ratio, 1.8)
        for variant in ("int8", "bf16"):
            name = f"minialbert-312 {variant}"
            for corpus in CORPORA:
                for base_name, label, goal in ((BERT, "fp32", 5.0), (BERT_INT8, "int8", 1.7)):
                    ratio = paired_ratio(words(name, corpus), words(base_name, corpus))
                    add(f"{variant} pipeline / bert-base {label} pipeline ({corpus})", ratio, goal)
            reference, value = ner_f1(results, "minialbert-312"), ner_f1(results, name)
            if reference is not None and value is not None:
                add(f"{variant} NER F1 change (points)", abs(value - reference), 0.5, "pts", True)
    packages = results.packages
    if packages:
        for name, label, goal in (
            ("minialbert-312", "fp32", 70),
            ("minialbert-312 int8", "reduced", 30),
        ):
            size = packages[name].installed_mb if name in packages else None
            add(f"packaged 312 pipeline {label} (installed MB)", size, goal, "MB", True)
    return checks


def ner_f1(results: SpeedResults, name: str) -> float | None:
    pipeline = results.pipelines.get(name)
    if pipeline is None or pipeline.ner is None:
        return None
    return pipeline.ner.get("ents_f")
