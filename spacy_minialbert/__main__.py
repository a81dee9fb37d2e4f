"""``python -m spacy_minialbert``: the same commands as the ``spacy-minialbert`` script (used by
project.yml, so the project's own interpreter runs them whatever PATH says)."""

from .cli import main

main()
