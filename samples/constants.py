"""What the demo district's returns are made of: the year, the months, and the words clerks write."""
from __future__ import annotations

import datetime as dt

YEAR = 2023
MONTHS = (1, 2, 3, 4, 5, 6)
CHINA = dt.timezone(dt.timedelta(hours=8))
AUTHORITY = "示例区统计局"

# What a clerk in each kind of office writes, per unit: the range of a month's flow, and decimals kept.
_MONTHLY = {"万元": (60.0, 4000.0), "元": (6000.0, 60000.0), "亩": (200.0, 2500.0), "平方米": (300.0, 5000.0)}
_COUNT_MONTHLY = (6.0, 220.0)
_STOCK_LEVEL = (4.0, 400.0)
_DECIMALS = {"万元": 2, "亩": 1, "平方米": 1}
# Spring Festival makes the first quarter slow; June closes the half year, December the year.
_SEASON = (0.78, 0.72, 1.0, 1.04, 1.1, 1.22, 0.96, 0.94, 1.06, 0.98, 1.08, 1.38)

_VILLAGES = (
    "东关村", "西沟村", "石门村", "南台村", "北岭村", "柳林村", "杨庄村", "王家营村", "李家窑村",
    "河口村", "红星村", "太平庄村", "三岔口村", "马家沟村", "后山村", "前营村", "沙河村", "桃园村",
)
_COMMUNITIES = ("幸福家园小区", "金色华庭小区", "翠苑小区", "阳光花园小区", "和平里小区", "锦绣园小区", "康居小区", "滨河佳苑小区")
_RURAL_PROJECTS = ("设施农业大棚", "食用菌种植基地", "光伏发电", "冷库仓储", "中药材种植", "肉牛养殖")
_PROJECTS = (
    ("智能装备制造产业园", "制造业"), ("冷链物流中心", "交通运输、仓储和邮政业"), ("农产品深加工", "农副食品加工业"),
    ("新型建材生产线", "非金属矿物制品业"), ("老旧小区改造", "房地产业"), ("乡村振兴示范片区", "农业"),
    ("文旅康养综合体", "文化、体育和娱乐业"), ("分布式光伏发电", "电力、热力生产和供应业"),
    ("污水处理厂提标改造", "水利、环境和公共设施管理业"), ("商贸综合体", "批发和零售业"),
    ("汽车零部件生产基地", "汽车制造业"), ("数字经济产业孵化园", "信息传输、软件和信息技术服务业"),
)
_COMPANIES = ("恒达建设有限公司", "华源实业有限公司", "瑞丰农业科技有限公司", "中能新能源有限公司", "宏图置业有限公司", "鑫旺物流有限公司")
_NEXT_STATUS = {"洽谈": "签约", "签约": "新开工"}
_PEOPLE = ("王建国", "李红梅", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "孙丽", "周强", "吴敏", "郑海涛", "何晓燕", "马俊", "高玉兰")
_REMARKS = ("初步数", "已核实", "含补报数", "较上月有增加", "按实际发生数填报")
_PERIODS = ("{y}年{m}月", "{y}年{m:02d}月", "{y}年1-{m}月", "{y}年1—{m}月", "{y}年1～{m}月", "{y}-{m:02d}", "{y}.{m}", "{y}{m:02d}")
_NUMERALS = "一二三四五六七八九十"
_FULL = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")

_HEADER = {"name": "指标名称", "code": "代码", "unit": "计量单位", "month": "本月", "ytd": "本年累计",
           "prior_ytd": "上年同期累计", "yoy_pct": "同比增长(%)", "remark": "备注"}

# The everyday drift of spec §6 a good file may carry, with what it looks like.
DRIFT_NOTES = {
    "offset_row": "blank rows above the title: the table starts lower",
    "offset_col": "a blank column at the left: the table starts in column B",
    "reordered": "indicator (or project) rows not in code order",
    "spacer_rows": "blank spacer rows inside the table",
    "section_rows": "inserted heading rows (一、数值指标 …) inside the table",
    "note_row": "a note row under the table (注：本表数据为初步统计…)",
    "remark_col": "an extra 备注 column with a few remarks",
    "renamed_sheet": "the sheet renamed (Sheet1, 6月, the org name …)",
    "instructions_sheet": "an extra 填表说明 sheet",
    "hidden_sheet": "an extra hidden sheet of drop-down lists",
    "chart_sheet": "an extra chart sheet",
    "empty_codes": "code cells left empty: rows found by name",
    "code_numeric": "codes written as numbers (1, 2 …) and lower-case t1",
    "name_spaces": "names with extra half- and full-width spaces",
    "name_enumerated": "names prefixed with （一）（二）… in full-width brackets",
    "name_alias": "names written as the catalogue's aliases",
    "trailing_unit": "names with a trailing unit in full-width brackets, e.g. （万元）",
    "text_numbers": "numbers as text: 1,234.5 / full-width １２３４．５ / ' 56 '",
    "dash_stock": "— in a stock indicator's 本月",
    "dash_no_figure": "—, / or 无 in the 上年同期/同比 cells of indicators without yoy",
    "header_synonyms": "header synonyms: 当月 / 1-N月累计 / 去年同期 / 同比(%) (项目 / 状态 / 计划总投资 for ZB03)",
    "grouped_header": "two-row header grouping 本月|本年累计 under 本期数 and 上年同期累计|同比 under 同期比较",
    "single_header": "a one-row column header",
    "label_next_cell": "header-block labels and their values in separate cells (填报单位： | 示例街道财政所)",
    "reporter_space": "填报单位 with a space between org and department",
    "dept_alias": "填报单位 with the department's other name (经发办, 应急办 …)",
    "yuan_row": "one 万元 row written in 元 (unit cell 元, figures ×10000)",
    "yuan_sheet": "the whole sheet in 元 (计量单位：元, no unit column, figures ×10000)",
    "yiyuan": "ZB03 总投资 in 亿元 (header （亿元） or 计量单位：亿元)",
    "text_unmerged": "text items in the 本月 cell without the usual merge across the value columns",
    "yoy_text_pct": "a growth cell written as text with a percent sign (12.5%)",
    "yoy_blank": "the optional 同比增长(%) cells left blank",
    "yoy_formula": "growth cells as formulas =ROUND((E-F)/F*100,1) with a cached value",
}
_PER_DRIFT = 4  # good files carrying each drift
_MAX_DRIFTS = 3  # per file
