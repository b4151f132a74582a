"""ser_lib: companion library to the Jupyter Book reproducing Lee & Nadeem (2025),
"Toward Efficient Speech Emotion Recognition via Spectral Learning and Attention"
(arXiv:2507.03251).

Modules, in the order the book uses them:

- :mod:`ser_lib.audio`     loading audio robustly (mono float32, offset/duration, validation)
- :mod:`ser_lib.corpora`   the six corpora: parsing, download, verification
- :mod:`ser_lib.corpus_import` rebuild a corpus's official layout from any copy, matched by sha256
- :mod:`ser_lib.synthetic` a deterministic synthetic emotional-speech corpus (the no-data default)
- :mod:`ser_lib.dsp`       the MFCC pipeline stage by stage
- :mod:`ser_lib.features`  the paper's flat vector, its layout, a feature cache
- :mod:`ser_lib.augment`   the paper's noise and pitch augmentation, noise at a target SNR
- :mod:`ser_lib.model`     the paper's attention CNN (faithful replica and variants)
- :mod:`ser_lib.train`     reproducible, resumable training
- :mod:`ser_lib.protocols` paper / utterance / speaker splits
- :mod:`ser_lib.metrics`   UAR, accuracy, macro-F1, aggregation over folds and seeds
- :mod:`ser_lib.results`   results files with provenance (commit, versions, hardware, timing)
"""

__version__ = "0.1.0"
