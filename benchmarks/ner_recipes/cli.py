"""``python -m benchmarks.ner_recipes``: the command line (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, fields
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin

from . import __doc__ as usage
from . import hf_recipe, spacy_recipe
from .report import Results, machine, table
from .tags import space_tokens

RESULTS = Path("benchmarks/results/ner_recipes.json")


def parse(argv: list[str]) -> argparse.Namespace:
    """Our options, then after ``--`` those of ``spacy train`` (argparse alone would give
    them to no positional: the four before them already matched)."""
    parser = argparse.ArgumentParser(
        description=(usage or "").split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("backbone", type=Path, help="backbone directory (our MiniALBERT format)")
    parser.add_argument("train", type=Path, help="train corpus, a DocBin with doc.ents")
    parser.add_argument("devel", type=Path, help="devel corpus, a DocBin with doc.ents")
    parser.add_argument("output", type=Path, help="folder for the spaCy run")
    parser.add_argument("--recipes", nargs="+", choices=("hf", "spacy"), default=["hf", "spacy"])
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[5e-5, 2e-5, 1e-5])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=512, help="wordpieces, with [CLS]/[SEP]")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument(
        "--schedule", default="linear", help="transformers.get_scheduler name (linear, cosine)"
    )
    parser.add_argument("--device", default="cpu", help="torch device of the Hugging Face runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--config", type=Path, default=Path("configs/ner.cfg"))
    parser.add_argument("--spacy-max-steps", type=int, default=None, help="default: the config's")
    parser.add_argument("--spacy-eval-frequency", type=int, default=None)
    parser.add_argument("--json", type=Path, default=RESULTS, help="where the results go")
    split = argv.index("--") if "--" in argv else len(argv)
    arguments = parser.parse_args(argv[:split])
    arguments.spacy_overrides = argv[split + 1 :]
    return arguments


def read_docs(path: Path) -> list[Doc]:
    if not path.is_file():
        raise SystemExit(f"{path}: no such corpus (convert it with spacy-minialbert convert).")
    docs = list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))
    if not docs:
        raise SystemExit(f"{path}: the corpus holds no document.")
    return docs


def check(arguments: argparse.Namespace) -> None:
    if not (arguments.backbone / "config.json").is_file():
        raise SystemExit(f"{arguments.backbone}: no config.json; not a backbone directory.")
    if not arguments.config.is_file():
        raise SystemExit(f"{arguments.config}: no such spaCy config.")
    for name in ("epochs", "batch_size", "max_length"):
        if getattr(arguments, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be at least 1.")
    if any(rate <= 0 for rate in arguments.learning_rates):
        raise SystemExit("--learning-rates must be positive.")


def run_hf(
    arguments: argparse.Namespace, train: list[Doc], devel: list[Doc], results: Results
) -> None:
    settings = hf_recipe.HfSettings(
        **{field.name: getattr(arguments, field.name) for field in fields(hf_recipe.HfSettings)}
    )
    data = hf_recipe.prepare(arguments.backbone, train, devel, settings)
    results.hf_settings = settings
    for name, counts in (("train", data.train.counts), ("devel", data.devel.counts)):
        results.encoding[name] = asdict(counts)
        print(
            f"{name}: {counts.truncated_documents} of {counts.documents} documents over "
            f"{settings.max_length} wordpieces (longest {counts.longest_wordpieces}); "
            f"{counts.words_cut} words cut ({counts.entity_words_cut} in entities); "
            f"{counts.words_without_pieces} words without wordpieces "
            f"({counts.entity_words_without_pieces} in entities), predicted O",
            flush=True,
        )
    for rate in arguments.learning_rates:
        run = hf_recipe.run(arguments.backbone, data, rate, settings)
        results.hf_runs.append(run)
        print(
            f"Hugging Face lr {rate:g}: {run.steps} steps in {run.train_seconds:.0f} s, devel F1 "
            f"{run.words.f1 * 100:.1f} on words, {run.wordpieces.f1 * 100:.1f} on wordpieces",
            flush=True,
        )


def main(argv: list[str] | None = None) -> Results:
    arguments = parse(sys.argv[1:] if argv is None else argv)
    check(arguments)
    results = Results(
        str(arguments.backbone), str(arguments.train), str(arguments.devel), machine()
    )
    train, devel = read_docs(arguments.train), read_docs(arguments.devel)
    for name, docs in (("train", train), ("devel", devel)):
        results.left_out[name] = space_tokens(docs)
        print(
            f"{name}: {results.left_out[name]['space_tokens']} whitespace tokens left out of "
            f"scoring ({results.left_out[name]['space_tokens_in_entities']} inside entities)"
        )
    if "hf" in arguments.recipes:
        run_hf(arguments, train, devel, results)
    if "spacy" in arguments.recipes:
        results.spacy_config = str(arguments.config)
        results.spacy_overrides = list(arguments.spacy_overrides)
        results.spacy = spacy_recipe.run(arguments)
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps(results.to_json(), indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"Results: {arguments.json}")
    return results
