"""Hand-made transcripts for the local-engine tests, and a helper that runs one role through an engine.

The helper builds the prompt with the lead's role (``build_messages``), reads the payload back as the provider
does, answers with the engine, and parses the answer with the role's strict parser: the full contract.
"""

from __future__ import annotations

import json
from typing import Any

from olp.engines import get_engine
from olp.profiles import get_profile
from olp.roles import ROLE_CLASSES
from olp.roles.base import extract_payload
from olp.types import Sentence

ENGINES = ("fast", "quality")

COMMERCE_EN = [
    (1, "okay guys welcome back to the live"),
    (2, "next up we have number seven, the body wave wig"),
    (3, "she is so soft and full, one hundred percent human hair"),
    (4, "and she is only eighty nine dollars tonight"),
    (5, "click the link and add her to your cart before she sells out"),
    (6, "let's move on to number twelve"),
    (7, "number twelve is our bob wig with bangs"),
    (8, "she is going for $120 right now"),
    (9, "hurry, only a few left in stock"),
]

COMMERCE_ZH = [
    (11, "好，接下来给大家介绍这款碧螺春绿茶。"),
    (12, "这个茶叶是今年的明前新茶，口感特别清香。"),
    (13, "日常价一百二十九，今天直播间只要七十九块。"),
    (14, "喜欢的宝子们赶紧去拍，三号链接，库存不多了。"),
    (15, "下一款是我们的紫砂茶杯。"),
    (16, "这个杯子是纯手工制作的。"),
    (17, "原价八十八，今天拍下只要四十九元。"),
    (18, "抓紧时间下单。"),
]

NEWS_EN = [
    (101, "A magnitude 7.1 earthquake struck off the coast of northern Japan on Tuesday morning."),
    (102, "The earthquake shook buildings in Sendai and triggered a tsunami warning along the coast."),
    (103, "Japan's meteorological agency said the tsunami waves reached one metre in some coastal towns."),
    (104, "Residents of coastal towns were evacuated to higher ground after the earthquake."),
    (105, "Officials expect aftershocks from the earthquake to continue for several days."),
    (106, "Manchester United beat Liverpool 2-1 in a dramatic football match at Old Trafford on Sunday."),
    (107, "The United striker scored the winning goal in the final minute of the match."),
    (108, "Liverpool's manager said his football team deserved at least a draw from the match."),
    (109, "The win lifts United to third place in the football league table."),
    (110, "United will play Chelsea in the next league match on Saturday."),
]

NEWS_ZH = [
    (201, "湖北省工商局近日对农资质量进行了抽样检测。"),
    (202, "抽检结果显示，化肥和农药的农资质量问题仍然突出，不合格农资达到一半。"),
    (203, "农药合格率为百分之五十一，化肥合格率不到一半。"),
    (204, "工商部门表示，将严厉查处销售不合格农资的经销单位。"),
    (205, "专家认为，农民购买化肥农药时应当索要发票。"),
    (206, "南京市民近日发起推选梅花为国花的签名活动。"),
    (207, "梅花原产于中国，与松树、竹子并称岁寒三友。"),
    (208, "签名活动在梅花山举行，数千名市民参加签名。"),
    (209, "梅花研究中心还举办了梅花品种图片展。"),
    (210, "组织者说，梅花签名活动将在春节期间持续进行。"),
]

MEETING_EN = [(300 + i, t) for i, t in enumerate(
    [f"Project Manager: Let's talk about the budget for the remote control first.",
     "Marketing: The budget is twelve euros per remote control unit.",
     "Industrial Designer: A twelve euro budget limits the materials for the remote control.",
     "Project Manager: So the budget means plastic for the case.",
     "Marketing: Yes, the budget allows plastic, not titanium.",
     "User Interface: Could we raise the budget for the remote control?",
     "Project Manager: No, we agreed the budget stays at twelve euros.",
     "Marketing: Then the budget covers the battery and the chip.",
     "Industrial Designer: The budget also covers the rubber buttons.",
     "Project Manager: Good, the budget for the remote is settled.",
     "Marketing: The budget spreadsheet is ready.",
     "Project Manager: Fine, budget done.",
     "Project Manager: Moving on to the next item, the user survey about voice recognition.",
     "User Interface: The survey shows users want voice recognition and speech commands.",
     "Marketing: Young users in the survey liked voice recognition most.",
     "Industrial Designer: Voice recognition needs a microphone and speech software.",
     "User Interface: Maybe we could add speech commands for the volume.",
     "Project Manager: I will send the survey results about voice recognition by email.",
     "Marketing: The survey sample had one hundred users.",
     "User Interface: Speech recognition errors annoyed older users in the survey.",
     "Industrial Designer: The microphone for voice recognition is cheap.",
     "Project Manager: Users in the survey asked for speech commands.",
     "Marketing: The survey also asked about voice recognition accuracy.",
     "Project Manager: Right, survey done."])]


def sentences(rows: list[tuple[int, str]]) -> list[Sentence]:
    return [Sentence(i, t) for i, t in rows]


def ask(engine: str, role: str, inp: Any, profile: str) -> tuple[Any, str]:
    """Run ``role`` on ``inp`` through ``engine``: (parsed value, raw answer text)."""
    prof = get_profile(profile)
    r = ROLE_CLASSES[role]()
    payload = extract_payload(r.build_messages(inp, prof))
    text = json.dumps(get_engine(engine).answer(payload), ensure_ascii=False)
    return r.parse(text, inp, prof), text
