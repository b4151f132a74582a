"""``python -m ser_lib.corpora ...``: see :mod:`ser_lib.corpora.cli`."""
from .cli import main

raise SystemExit(main())
