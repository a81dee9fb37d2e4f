"""Build what the speed benchmark needs and cannot download.

1. A cased WordPiece vocabulary of exactly 28,996 entries (the size of the cased BERT vocabulary
   behind clinical-miniALBERT-312), learned with ``tokenizers`` from MTSamples and NCBI-disease
   train text; if the text cannot fill it, the rest is padded with ``[unused<i>]`` entries so
   the embedding table has its real size.
2. A randomly initialised clinical-312 backbone with it (E 312, H 768, 6 recursions, 12 heads,
   FFN 3072, adapters H/16), in our format.
3. NCBI-disease train/devel as spaCy DocBins (all four mention types as one DISEASE label).
4. A 312 NER pipeline trained briefly on NCBI-disease train from that random backbone
   (``benchmarks/ner_312.cfg``): not a good model, a real one whose F1 moves when its
   arithmetic changes, so each inference option's F1 change can be measured.

Usage: python -m benchmarks.prepare [--steps 400] [--skip-training]
Outputs go to benchmarks/.cache/ (ignored by git).
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
from pathlib import Path

from benchmarks.data import CACHE, NCBI, ROOT, mtsamples_notes, ncbi_abstracts
from benchmarks.speed.encoders import EncoderDims

# clinical-miniALBERT-312's widths; use_adapter and max_position_embeddings 512 are the
# BackboneShape defaults.
DIMS_312 = EncoderDims()
VOCAB_SIZE = DIMS_312.vocab_size


def build_backbone(target: Path, **overrides: object) -> Path:
    from transformers import BertTokenizerFast

    from spacy_minialbert.backbone_shape import BackboneShape
    from spacy_minialbert.hf.scratch import init_backbone, train_wordpiece

    vocab_file = CACHE / "vocab" / "vocab.txt"
    if not vocab_file.is_file():
        texts = itertools.chain(mtsamples_notes(), ncbi_abstracts("train"))
        learned = train_wordpiece(texts, VOCAB_SIZE, lowercase=False)
        entries = [token for token, _ in sorted(learned.vocab.items(), key=lambda kv: kv[1])]
        padding = [f"[unused{i}]" for i in range(VOCAB_SIZE - len(entries))]
        vocab_file.parent.mkdir(parents=True, exist_ok=True)
        vocab_file.write_text("\n".join(entries + padding) + "\n", encoding="utf-8")
        print(f"vocabulary: {len(entries)} learned + {len(padding)} padding entries")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=False)
    assert len(tokenizer) == VOCAB_SIZE, len(tokenizer)
    shape = BackboneShape(**{**DIMS_312.config_fields(), **overrides})
    init_backbone(target, tokenizer, shape, seed=0)
    return target


def convert_ncbi(split: str, cache: Path = CACHE, source: Path = NCBI) -> Path:
    """NCBI-disease ``split`` (brat files in ``source``) as a DocBin under ``cache``,
    converted once by ``spacy-minialbert convert brat`` (in this process)."""
    from spacy_minialbert.cli import app, commands  # noqa: F401  (registers the commands)

    target = cache / "corpus" / f"ncbi-{split}.spacy"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        app(
            ["convert", "brat", str(source / split), str(target), "--label-map", "*=DISEASE",
             "--no-progress"],
            standalone_mode=False,
        )  # fmt: skip
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=400, help="NER training steps")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    backbone = CACHE / "backbone-312"
    if not (backbone / "config.json").is_file():
        build_backbone(backbone)
    train, devel = convert_ncbi("train"), convert_ncbi("devel")
    if not args.skip_training and not (CACHE / "ner-312" / "model-best").is_dir():
        subprocess.run(
            [sys.executable, "-m", "spacy", "train", str(ROOT / "benchmarks" / "ner_312.cfg"),
             "--output", str(CACHE / "ner-312"), "--paths.train", str(train),
             "--paths.dev", str(devel), "--paths.backbone", str(backbone),
             "--training.max_steps", str(args.steps)],
            check=True,
        )  # fmt: skip
    print(f"ready: {CACHE}")


if __name__ == "__main__":
    main()
