"""Speed and size of MiniALBERT-312 on CPU against BERT-shaped encoders and a spaCy CNN.

One run measures everything, alternating the contenders round by round (each round starts at
a different contender) so that drift in the machine's speed spreads over all of them; the
reported value is the median over rounds, with the rounds' spread. Each contender lives in its
own worker process (``workers``): its peak resident memory is its own, and only one computes
at a time.

Sections:
  machine    fp32 and bf16 matmul ceilings (GFLOP/s), measured every round;
  encoders   tokens/s at batch 8 x 128 and 1 x 512: MiniALBERT-312 (fp32, bf16 autocast, int8
             dynamic, ACT), BERT-base-shaped (fp32, bf16, int8) and a 6-layer BERT of width 768;
  pipelines  words/s of ``nlp.pipe`` over MTSamples notes and NCBI-disease sentences, saved size,
             peak RSS and NER F1 on NCBI-disease devel for the variants of the trained pipeline;
  training   adapter-only against full fine-tuning: trainable share and seconds per update;
  package    (``--package``) wheel and installed size of the 312 pipeline, fp32 and reduced.

Output: a table printed last, ``speed.json`` and ``speed.png`` in ``--out``.

    python -m benchmarks.prepare          # vocabulary, backbone, NCBI corpora, trained NER
    python -m benchmarks.speed --pipeline benchmarks/.cache/ner-312/model-best --package
"""
