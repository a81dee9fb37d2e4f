"""Token vectors from the transformer next to spaCy's subword-feature embeddings.

A small transformer trained on little data misses what a character-level view of a word gives
cheaply: a disease name's suffix (-itis, -oma, -emia), its shape, its prefix. spaCy's
``MultiHashEmbed`` + CNN encoder learns those from the same training data. Concatenating the two
per token lets a component (``ner``) use both while the transformer stays shared through its
listener: the demo's NER gains about ten F1 points on NCBI-disease over the listener alone (see
docs/benchmarks.md).

thinc's ``concatenate`` cannot take a transformer listener: the listener's backward pass returns
``None`` (the gradient goes to the transformer component, not to the docs), and ``concatenate``
adds the parts' input gradients together. Here the docs get no gradient at all, which is what
both parts mean.
"""

# No `from __future__ import annotations`: confection validates these signatures at run time.
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d


@registry.architectures("spacy-minialbert.TransformerWithFeatures.v1")
def build_transformer_with_features_v1(
    transformer: Model[list[Doc], list[Floats2d]],
    features: Model[list[Doc], list[Floats2d]],
) -> Model[list[Doc], list[Floats2d]]:
    """Per token, ``transformer``'s vector (a ``TransformerListener``) followed by
    ``features``' vector (e.g. ``spacy.Tok2Vec.v2`` with ``MultiHashEmbed``)."""
    return Model(
        "transformer_with_features",
        _forward,
        init=_init,
        layers=[transformer, features],
        dims={"nO": _width(transformer, features)},
    )


def _width(*parts: Model) -> int | None:
    if all(part.has_dim("nO") is True for part in parts):
        return sum(part.get_dim("nO") for part in parts)
    return None


def _init(model: Model, X: list[Doc] | None = None, Y: list[Floats2d] | None = None) -> None:
    for part in model.layers:
        part.initialize(X=X)
    width = _width(*model.layers)
    if width is not None:
        model.set_dim("nO", width)


def _forward(model: Model, docs: list[Doc], is_train: bool) -> tuple[list[Floats2d], object]:
    transformer, features = model.layers
    left, backprop_left = transformer(docs, is_train)
    right, backprop_right = features(docs, is_train)
    widths = [array.shape[1] for array in left]
    joined = [model.ops.xp.hstack((a, b)) for a, b in zip(left, right, strict=True)]

    def backprop(d_joined: list[Floats2d]) -> list[Doc]:
        backprop_left([d[:, :width] for d, width in zip(d_joined, widths, strict=True)])
        backprop_right([d[:, width:] for d, width in zip(d_joined, widths, strict=True)])
        return []

    return joined, backprop
