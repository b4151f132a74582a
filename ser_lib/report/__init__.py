"""The book's headline, read from the results files: the paper's split against held-out recordings
and held-out speakers, per corpus, with the model behind every number.

:mod:`~ser_lib.report.tables` reads the results files into one long table (:func:`load`, :func:`headline`,
:func:`corpus_table`; :mod:`ser_lib.viz.headline` draws the landing page's figure and cards from it);
:mod:`~ser_lib.report.text` writes the sentences that state what was run (:func:`status`,
:func:`run_sentences`, :func:`interpretation`) and the README's copy (:func:`readme_section`,
``python -m ser_lib.report --readme README.md``; ``--check`` only compares).
"""
from .tables import (HEADLINE_MODELS, MODEL_NAMES, MODEL_NOTES, PAGES, PROTOCOLS, ROLES, SOURCE_NAMES,
                     SPLIT_NAMES, Results, corpus_table, corpus_title, data_note, headline, load, page_links)
from .text import interpretation, readme_section, run_sentences, status, update_readme

__all__ = ["PROTOCOLS", "SPLIT_NAMES", "HEADLINE_MODELS", "ROLES", "MODEL_NAMES", "MODEL_NOTES", "SOURCE_NAMES",
           "PAGES", "Results", "load", "headline", "corpus_table", "page_links", "data_note", "status",
           "run_sentences", "interpretation", "readme_section", "update_readme", "corpus_title"]
