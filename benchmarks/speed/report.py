"""The speed run as Markdown tables, printed at its end (docs/benchmarks.md quotes them)."""

from __future__ import annotations

from benchmarks.speed.measure import paired_ratio
from benchmarks.speed.pipelines import BATCH_SIZE
from benchmarks.speed.results import SpeedResults
from benchmarks.speed.targets import BERT, ner_f1


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f}%"


def with_depth(name: str, depth: float | None) -> str:
    """An encoder's name, with an ACT encoder's mean recursions per token (of 6)."""
    return name + (f" (mean depth {depth:.1f}/6)" if depth else "")


def table(results: SpeedResults) -> str:
    machine = results.machine
    lines = [
        f"Machine: {machine.cpu}, {machine.logical_cpus} CPUs, {machine.threads} threads, "
        f"torch {machine.torch}, ISA {' '.join(machine.isa)}",
        f"Load average (1/5/15 min) at start {machine.load_average_start}, "
        f"at end {machine.load_average_end}",
    ]
    if machine.gemm_gflops:
        ceilings = ", ".join(
            f"{dtype} {fmt(rate.median)} GFLOP/s (±{percent(rate.spread)})"
            for dtype, rate in machine.gemm_gflops.items()
        )
        lines.append(f"Matmul ceiling: {ceilings}")
    return "\n".join(
        lines + encoder_table(results) + pipeline_table(results) + training_table(results)
        + package_table(results) + target_table(results)
    )  # fmt: skip


def encoder_table(results: SpeedResults) -> list[str]:
    enc = results.encoders
    if not enc:
        return []
    first, *others = next(iter(enc.values())).shapes
    base = enc["bert-base"].shapes[first].tokens_per_s.rounds if "bert-base" in enc else []
    lines = [
        "",
        f"| encoder | params | tok/s {first} | "
        + "".join(f"tok/s {key} | " for key in others)
        + "GFLOP/s | of fp32 ceiling | vs bert-base | peak RSS MB |",
        "|---|" + "---:|" * (6 + len(others)),
    ]
    for name, e in enc.items():
        a = e.shapes[first]
        label = with_depth(name, e.mean_updates.get(first))
        lines.append(
            f"| {label} | {e.parameters / 1e6:.1f}M | {fmt(a.tokens_per_s.median)} "
            f"(±{percent(a.tokens_per_s.spread)}) | "
            + "".join(f"{fmt(e.shapes[key].tokens_per_s.median)} | " for key in others)
            + f"{fmt(a.gflops)} | {percent(a.fraction_of_fp32_ceiling)} | "
            f"{fmt(paired_ratio(a.tokens_per_s.rounds, base), 2)}x | {fmt(e.peak_rss_mb)} |"
        )
    return lines


def pipeline_table(results: SpeedResults) -> list[str]:
    pipes = results.pipelines
    if not pipes:
        return []
    corpora = results.corpora
    mts, ncbi = corpora["mtsamples"], corpora["ncbi"]
    reference = ner_f1(results, "minialbert-312")

    def base_rounds(corpus: str) -> list[float]:
        return pipes[BERT].words_per_s[corpus].rounds if BERT in pipes else []

    lines = [
        "",
        f"Pipelines: nlp.pipe(batch_size={BATCH_SIZE}) over {mts.texts} MTSamples notes "
        f"({mts.words:,} words) and {ncbi.texts} NCBI-disease sentences ({ncbi.words:,} words)",
        "",
        "| pipeline | words/s MTSamples | words/s NCBI | vs bert-base (MTS / NCBI) "
        "| saved MB | peak RSS MB | NER F1 (devel) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, p in pipes.items():
        f1 = ner_f1(results, name)
        cell = "-" if f1 is None else f"{f1:.2f}"
        if f1 is not None and reference is not None and name != "minialbert-312":
            cell += f" ({f1 - reference:+.2f})"
        label = with_depth(name, (p.act_mean_recursions or {}).get("mtsamples"))
        rates = p.words_per_s
        ratios = " / ".join(
            f"{fmt(paired_ratio(rates[c].rounds, base_rounds(c)), 2)}x"
            for c in ("mtsamples", "ncbi")
        )
        lines.append(
            f"| {label} | {fmt(rates['mtsamples'].median)} (±{percent(rates['mtsamples'].spread)}) "
            f"| {fmt(rates['ncbi'].median)} (±{percent(rates['ncbi'].spread)}) | {ratios} | "
            f"{p.saved_mb:.1f} | {fmt(p.peak_rss_mb)} | {cell} |"
        )
    return lines


def training_table(results: SpeedResults) -> list[str]:
    training = results.training
    if not training:
        return []
    full = training["full"].seconds_per_step.median
    lines = [
        "",
        "| training (nlp.update, 312 + ner) | trainable transformer params | s/step | vs full |",
        "|---|---:|---:|---:|",
    ]
    for mode, t in training.items():
        step = t.seconds_per_step
        lines.append(
            f"| {mode} ({t.batch_docs} abstracts/step) | {t.trainable:,} "
            f"({100 * t.trainable_share:.1f}%) | {step.median:.2f} (±{percent(step.spread)}) | "
            f"{step.median / full:.2f}x |"
        )
    return lines


def package_table(results: SpeedResults) -> list[str]:
    if not results.packages:
        return []
    lines = [
        "",
        "| package (spacy package --build wheel) | wheel MB | installed MB (MiB) "
        "| spacy.load by name, fresh process | NER F1 by name |",
        "|---|---:|---:|---|---:|",
    ]
    for name, p in results.packages.items():
        f1 = (p.ner_by_name or {}).get("ents_f")
        lines.append(
            f"| {name} | {p.wheel_mb:.1f} | {p.installed_mb:.1f} ({p.installed_mib:.1f}) | "
            f"{'yes' if p.loads_by_name_in_fresh_process else 'NO'} | {fmt(f1, 2)} |"
        )
    return lines


def target_table(results: SpeedResults) -> list[str]:
    if not results.targets:
        return []
    lines = ["", "| target | measured | goal | met |", "|---|---:|---:|---|"]
    for t in results.targets:
        op = "<=" if t.lower_is_better else ">="
        met = {True: "yes", False: "NO", None: "-"}[t.met]
        lines.append(f"| {t.target} | {fmt(t.value, 2)} | {op} {t.goal} | {met} |")
    return lines
