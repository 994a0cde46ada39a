# statreturns: make demo · make test · make bench
VENV   := .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/statreturns
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
PERIOD ?= 2023-06
# the month after PERIOD: the demo also writes its 填报模板, pre-filled from PERIOD
NEXT   := $(shell date -d "$(PERIOD)-01 +1 month" +%Y-%m)
# the charts' CJK font: WenQuanYi Micro Hei from Debian (fonts-wqy-microhei); reports/charts.py looks for it here
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: install demo test bench fuzz docs clean pictures

install: $(STAMP) $(CJK_FONT)

$(CJK_FONT):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

demo: install
	$(PY) -m statreturns.samples inbox
	$(CLI) run --period $(PERIOD)
	$(CLI) templates --period $(NEXT)
	@echo
	@echo "数据库 var/statreturns.duckdb · 汇总表 out/$(PERIOD)/ · 下月填报模板 out/$(NEXT)/填报模板/ · 查询示例："
	@echo "  $(CLI) sql \"select org_name, indicator_name, ytd_value, unit from figures where period = '$(PERIOD)-01' limit 10\""

test: install
	$(VENV)/bin/pytest

fuzz: install
	STATRETURNS_FUZZ_EXAMPLES=2000 $(VENV)/bin/pytest -p no:cacheprovider tests/test_fuzz.py

clean:
	rm -rf inbox var out

bench: install
	$(PY) bench/run.py $(if $(SIZES),--sizes $(SIZES))

docs: install
	$(PY) -m statreturns.warehouse.docs > docs/warehouse.md
	$(PY) -m statreturns.reports.rules_doc > docs/rules.md

# the README's pictures of a receipt, 汇总表.xlsx and the draft, printed by LibreOffice from the sample data
PICTURES := var/pictures
pictures: install
	rm -rf $(PICTURES)
	$(PY) -m statreturns.samples $(PICTURES)/inbox
	$(CLI) ingest $(PICTURES)/inbox --period $(PERIOD) --warehouse $(PICTURES)/wh.duckdb --archive $(PICTURES)/archive
	$(CLI) report --period $(PERIOD) --org 110199002 --warehouse $(PICTURES)/wh.duckdb --out $(PICTURES)/out
	$(CLI) feedback --period $(PERIOD) --warehouse $(PICTURES)/wh.duckdb --out $(PICTURES)/out
	$(PY) -m statreturns.reports.pictures $(PICTURES)/out/$(PERIOD)/110199002 $(PICTURES)/out/$(PERIOD)/feedback docs/img
	STATRETURNS_PICTURES=docs/img $(VENV)/bin/pytest -q -p no:cacheprovider tests/test_web_browser.py   # the portal's pages
