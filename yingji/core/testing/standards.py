"""The code lists of ``../shared/reference/standards.md`` §1.4, for tests of the data files.

§1.4 lists, abridged, the 2xxxx hazard, 3xxxx protection-target and 4xxxx resource codes
of the national emergency platform's code table (◐). ``HAZARDS`` and ``TARGETS`` are what
:func:`parse_section_1_4` reads from it (a snapshot, so the tests run where the shared
folder is absent; a test checks the snapshot against the file when it is there).
``RESOURCES`` is transcribed by hand (the 40000 row is too irregular to parse).

The reference gives short names ("01 洪水" under 21A); a data file's name must contain the
short name (``matches``), after the reference's own abbreviations are spelled out.
"""

from __future__ import annotations

import re
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "standards.md"

HAZARDS: dict[str, str] = {
    "21000": "自然灾害风险隐患区", "21A00": "水旱", "21A01": "洪水", "21A02": "内涝", "21A03": "冰凌",
    "21A04": "山洪", "21A51": "农业干旱", "21A52": "城镇缺水", "21A53": "生态干旱",
    "21A54": "农村饮水困难风险区", "21B00": "气象", "21B01": "台风", "21B08": "低温冻害",
    "21B09": "雷电", "21B10": "冰雹", "21B11": "霜冻", "21B12": "大雾", "21C00": "海洋",
    "21D00": "地质", "21D01": "滑坡区", "21D06": "火山", "21E00": "地震", "21E01": "地震带",
    "21F00": "生物", "21G00": "森林草原火灾", "22000": "事故灾难危险源", "22A00": "生产安全危险源",
    "22A01": "贮罐区", "22A02": "库区", "22A03": "生产场所", "22A04": "压力管道", "22A05": "锅炉",
    "22A06": "压力容器", "22A07": "煤矿", "22A08": "金属非金属地下矿山", "22A09": "尾矿库",
    "22A10": "气瓶充装站", "22A11": "加油站", "22A12": "油气田", "22B00": "运输安全危险源",
    "22B01": "危化品运输车辆", "22B02": "危化品运输船舶", "22B03": "油轮", "23000": "公共卫生危险源",
    "23A00": "自然疫源地", "23B00": "医疗机构", "23C00": "病原微生物实验室", "23D00": "菌毒株保藏",
    "24000": "社会安全隐患", "29000": "其他",
}  # fmt: skip

TARGETS: dict[str, str] = {
    "31000": "重要部位", "31A00": "政府部门", "31A01": "党委", "31A07": "法院", "31B00": "学校",
    "31B01": "大学", "31B02": "普通高中", "31B03": "职业高中", "31B04": "中专", "31B05": "初中",
    "31B06": "小学", "31B07": "幼儿园", "31C00": "科研机构", "31D00": "新闻广播机构",
    "31E00": "国防目标", "31F00": "公众聚集场所", "31F01": "体育馆", "31F02": "大型商场",
    "31F03": "影剧院", "31G00": "金融机构", "31H00": "重要场所", "31H04": "储备物资库",
    "31J00": "监测台站", "31J01": "地震", "31J02": "地质", "31J03": "水文", "31J04": "气象",
    "31J05": "环保", "31K00": "野生动物保护管理场所", "31L00": "重要生态安全区",
    "31M00": "在建工程施工现场", "32000": "关键基础设施", "32A00": "通信", "32B00": "公路",
    "32B01": "公路", "32B02": "桥梁", "32B03": "隧道", "32C00": "铁路", "32D00": "水运",
    "32E00": "民航", "32F00": "水利", "32F01": "水库", "32F02": "拦河水闸", "32F03": "排灌泵站",
    "32F04": "堤防", "32F05": "引调水", "32G00": "电力", "32H00": "石油天然气",
    "32J00": "城市基础设施", "32J01": "城市道路", "32J02": "桥梁", "32J03": "隧道",
    "32J04": "轨道交通", "32J05": "供水", "32J06": "供电", "32J07": "供气", "32J08": "排水泄洪",
    "32J09": "供热", "32J10": "垃圾收运", "39000": "其他",
}  # fmt: skip

#: Codes §1.4 says exist but marks as damaged in its source ("32G 电力 (src 32001…32009)").
UNCERTAIN_TARGETS = frozenset(f"32G0{n}" for n in range(1, 10))

#: Sub-categories §1.4 names only by their letter ("21Y.", "24A–24F"): the code must exist.
NAMELESS_HAZARDS = frozenset(
    {"21Y00", "22Y00", "23Y00", "24A00", "24B00", "24C00", "24D00", "24E00", "24F00", "24Y00"}
)
NAMELESS_TARGETS = frozenset({"31Y00"})

#: The 4xxxx resource codes Yingji uses (experts 42A, teams 42E, supplies 43xxx, shelters 47x).
RESOURCES: dict[str, str] = {
    "42A01": "自然灾害类", "42A02": "事故灾难类", "42A03": "公共卫生类", "42A04": "社会安全类",
    "42A05": "综合类", "42E12": "专业森林消防", "42E13": "林业有害生物", "42E14": "食物中毒预备队",
    "42E15": "路桥抢修", "42E16": "通信保障", "42E17": "电力抢修", "42E18": "供气抢修",
    "42E19": "供水抢修", "42E20": "排水抢险", "42E21": "园林抢险", "43A01": "粮油", "43A02": "能源",
    "43A03": "医药", "43B01": "防汛抗旱", "43B02": "抗震", "43B03": "防灾减灾", "43B04": "防疫",
    "43B05": "林业有害生物", "43B06": "危化品救援", "43B07": "矿山救援", "43B08": "油污染处置",
    "43C01": "粮食", "43C02": "其他食品", "43C03": "食用油", "43C04": "衣被", "43C05": "饮用水",
    "43C06": "救灾帐篷", "47A01": "救助管理站", "47A02": "公园", "47A03": "广场", "47A04": "绿地",
    "47B01": "防空洞", "47B02": "防空地下室", "47B03": "防空警报站点",
}  # fmt: skip

#: The reference's abbreviations, spelled out as the source table has them.
ABBREVIATIONS = {"危化品": "危险化学品", "初中": "初级中学"}


def matches(reference_name: str, name: str) -> bool:
    """Whether a data file's ``name`` agrees with the reference's (abridged) name."""
    if reference_name in name:
        return True
    for short, full in ABBREVIATIONS.items():
        reference_name = reference_name.replace(short, full)
    return reference_name in name


def parse_section_1_4(text: str) -> dict[str, dict[str, str]]:
    """The named codes of §1.4's rows, by row (``"20000"``, ``"30000"``)."""
    section = text[text.index("### 1.4") : text.index("## 2.")]
    out: dict[str, dict[str, str]] = {}
    for line in section.splitlines():
        row = re.match(r"\| (\d0000) \| ([^|]+?) \| (.+) \|$", line)
        if row is None or row.group(1) not in ("20000", "30000"):
            continue
        codes: dict[str, str] = {}
        for part in re.split(r"(?<=\.)\s+(?=\d{5} )", row.group(3)):
            head = re.match(r"(\d{5}) ([^:：.(]+)", part)
            if head:
                codes[head.group(1)] = head.group(2).strip()
            for group in re.finditer(r"(\d\d[A-Z]) ([^\s(;,.]+)(?: \(([^)]*)\))?", part):
                sub, name, items = group.groups()
                codes[sub + "00"] = name
                for item in re.finditer(
                    r"(?<![\dA-Za-z])(\d\d) ([^,;…]+?)(?=,|;|…|$|\s—)", items or ""
                ):
                    codes[sub + item.group(1)] = item.group(2).strip()
        out[row.group(1)] = codes
    return out
