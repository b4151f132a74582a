# Two entry points for a fresh machine (see README):  make book  |  make test
# Both create .venv and install the pinned dependencies first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Use the real corpora beside the checkout when present, unless SER_DATA_ROOT is set.
SER_DATA_ROOT ?= $(if $(wildcard ../shared/datasets/README.md),$(abspath ../shared/datasets),)
export SER_DATA_ROOT
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test install notebooks-ci browser-test reproduce queue queue-printed audit pretrained cross-corpus clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

install: $(VENV)/.installed

book: $(VENV)/.installed
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	@echo "Book: _build/html/index.html"

test: $(VENV)/.installed
	MPLBACKEND=Agg $(PY) -m pytest -q -m "not browser" tests

# Execute every parameterised notebook with tiny CI parameters (papermill -y), outputs in ci-out/
notebooks-ci: $(VENV)/.installed
	$(PY) scripts/run_notebooks_ci.py

browser-test: $(VENV)/.installed
	$(PY) -m pytest -q -m browser tests

reproduce: $(VENV)/.installed
	$(PY) scripts/reproduce_all.py

# The long-run queue: resumable, one chunk at a time (interrupt and re-run at will)
queue: $(VENV)/.installed
	$(PY) scripts/reproduce_all.py --queue --chunk-minutes 30 --threads $${THREADS:-2} --compile --faithful-last

# The same queue for the models the released SAVEE, RAVDESS and TESS notebooks printed (one attention block short)
queue-printed: $(VENV)/.installed
	$(PY) scripts/reproduce_all.py --queue --printed-model --chunk-minutes 30 --threads $${THREADS:-2} --compile

# Finished jobs are skipped; AUDIT_ARGS="--jobs 2" or "--scheduler tcp://host:8786" fans the grid out
audit: $(VENV)/.installed
	$(PY) scripts/audit_all.py $(AUDIT_ARGS)

# The notebooks in JupyterLab with this project's environment and data root (JupyterLab installed on first use)
.PHONY: lab
lab: $(VENV)/.installed
	@$(PY) -c "import jupyterlab" 2>/dev/null || $(PY) -m pip install --quiet -e ".[lab]"
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

# The shipped model (ser_lib/pretrained/) and its results file, retrained on the corpora present (one torch thread)
pretrained: $(VENV)/.installed
	$(PY) -m ser_lib train-pretrained

# Train on one corpus, test on the others; leave one corpus out (finished jobs skipped)
cross-corpus: $(VENV)/.installed
	$(PY) -m ser_lib cross-corpus

clean:
	rm -rf _build ci-out
