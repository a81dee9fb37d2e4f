"""A text classifier that adds a bag-of-words term to the transformer's document vector.

The logits are the sum of two parts: a linear layer over the transformer's pooled token vectors
(mean and max) and spaCy's sparse bag-of-words model. A small transformer's pooled vector of a
600-token note learns slowly (a few words carry the class; pooling dilutes them), while word
weights learn in a few hundred steps; summed, each part takes what it can.

Why not spaCy's ``TextCatEnsemble.v2``: for exclusive classes its bag-of-words branch ends in its
own softmax and feeds a zero-initialised output layer, so at the start the branch outputs the same
value for every class, every output weight over it moves alike, and the gradient that reaches the
branch is equal for all classes, which a softmax turns into zero. Measured in the demo: after 250
steps its bag-of-words weights had moved by 1e-6 on average, against 3e-3 when trained alone, and
the classifier predicted one class for every note. Here the bag-of-words logits are added before
the one softmax, so their gradient is the loss's own.
"""

# No `from __future__ import annotations`: confection validates these signatures at run time.
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (
    Linear,
    Logistic,
    Model,
    add,
    chain,
    concatenate,
    list2ragged,
    reduce_max,
    reduce_mean,
    softmax_activation,
    zero_init,
)
from thinc.types import Floats2d


@registry.architectures("spacy-minialbert.TextCatTransformerBOW.v1")
def build_textcat_transformer_bow_v1(
    tok2vec: Model[list[Doc], list[Floats2d]],
    exclusive_classes: bool,
    ngram_size: int = 1,
    length: int = 262144,
    nO: int | None = None,
) -> Model[list[Doc], Floats2d]:
    """Class scores from ``tok2vec``'s pooled vectors plus a bag of ``ngram_size``-grams hashed
    into ``length`` rows; softmax over exclusive classes, else a sigmoid per class."""
    bag_of_words = registry.architectures.get("spacy.TextCatBOW.v3")(
        exclusive_classes=exclusive_classes,
        ngram_size=ngram_size,
        no_output_layer=True,  # logits: the one activation comes after the sum
        length=length,
        nO=nO,
    )
    # Zero-initialised, so training starts from the bag of words alone instead of adding random
    # logits from pooled vectors that do not yet mean anything.
    pooled: Model[list[Doc], Floats2d] = chain(
        tok2vec,
        list2ragged(),
        concatenate(reduce_mean(), reduce_max()),
        Linear(nO=nO, init_W=zero_init),
    )
    activation: Model[Floats2d, Floats2d] = (
        softmax_activation() if exclusive_classes else Logistic()
    )
    model: Model[list[Doc], Floats2d] = chain(add(pooled, bag_of_words), activation)
    model.set_ref("tok2vec", tok2vec)
    model.attrs["multi_label"] = not exclusive_classes
    return model
