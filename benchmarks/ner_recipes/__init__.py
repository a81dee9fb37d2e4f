"""NER on NCBI-disease two ways on one backbone: the MiniALBERT authors' Hugging Face recipe
(``MiniAlbertForTokenClassification``, every wordpiece labelled with its word's tag, AdamW, one
run per learning rate) against the project's spaCy recipe (``spacy train configs/ner.cfg``),
both scored with seqeval's entity F1 on the gold documents' words.

    python -m benchmarks.ner_recipes BACKBONE TRAIN.spacy DEVEL.spacy OUTPUT
    python -m benchmarks.ner_recipes BACKBONE TRAIN.spacy DEVEL.spacy OUTPUT \\
        --spacy-max-steps 2000 -- --components.transformer.model.get_spans.window 256

Arguments after ``--`` go to ``spacy train``. Prints a markdown table and writes the results
as JSON (``benchmarks/results/ner_recipes.json`` unless ``--json``). docs/benchmarks.md has the
figures and the commands that made them.
"""
