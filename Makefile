# statreturns: make demo · make test · make bench
VENV   := .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/statreturns
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
PERIOD ?= 2023-06

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: install
	$(CLI) sample-data --out inbox
	$(CLI) run --period $(PERIOD)
	@echo
	@echo "数据库 warehouse/statreturns.duckdb · 汇总表 reports/out/$(PERIOD)/ · 查询示例："
	@echo "  $(CLI) sql \"select org_name, indicator_name, ytd_value, unit from figures where period = '$(PERIOD)-01' limit 10\""

test: install
	$(VENV)/bin/pytest

clean:
	rm -rf inbox warehouse/statreturns.duckdb* warehouse/archive reports/out

bench: install
	$(PY) bench/read_speed.py
