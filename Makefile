# One command sets everything up and runs the main job; one sets up and runs the tests.
#   make demo   create .venv, install, train models/default on the bundled corpus, tag the sample dump
#   make test   create .venv, install, run the test suite
#   make browser  install Chromium, chromedriver and a Japanese font for the HTML report's tests (root)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install browser clean

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

# The HTML report is tested in a real browser: Debian's Chromium, its driver, and a Japanese font (as root).
# Without them the browser tests are skipped, except under CI, where .ci/run installs them first.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list | grep -qi ipa; then \
		echo "chromium, chromedriver and a Japanese font are installed"; \
	else \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver fonts-ipafont-gothic fonts-noto-color-emoji >/dev/null; \
	fi

clean:
	rm -rf $(VENV) models/default
