# One command sets everything up and runs the main job; one sets up and runs the tests.
#   make demo   create .venv, install, train models/default on the bundled corpus, tag the sample dump
#   make test   create .venv, install, run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/classifier train
	$(BIN)/classifier tag training/samples/demo_post.txt

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) models/default
