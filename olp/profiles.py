"""Profiles: one per domain and language. A profile names the aspects and supplies the prompts' wording."""

from __future__ import annotations

from dataclasses import dataclass

from olp.errors import unknown_name


@dataclass(frozen=True)
class Aspect:
    """One aspect of a topic document. ``key`` is the English name; ``label`` is what documents use."""

    key: str
    label: str
    hint: str  # what belongs here, for the content organizer's prompt


@dataclass(frozen=True)
class Profile:
    """Domain and language settings shared by all roles.

    Attributes:
        name: the profile's registry name (``ecommerce-en`` ...).
        language: ``"en"`` or ``"zh"``; local engines segment Chinese differently.
        domain: ``"ecommerce"``, ``"news"`` or ``"meeting"``.
        topic_kind: what a topic is here, for the topic finder's prompt.
        topic_format: how the finder names a topic.
        same_question: the relationship checker's question about two topics.
        aspects: the document's aspects, in output order.
        default_aspect: label of the aspect that takes a sentence nobody placed.
    """

    name: str
    language: str
    domain: str
    topic_kind: str
    topic_format: str
    same_question: str
    aspects: tuple[Aspect, ...]
    default_aspect: str
    chunk_size: int = 60  # sentences per chunk, as the authors chose per language and task

    @property
    def aspect_labels(self) -> list[str]:
        return [a.label for a in self.aspects]


_ECOMMERCE = (
    ("Opening", "the host introduces or brings up the product"),
    ("Order Urging", "the host urges viewers to buy now: stock, deadlines, links, add to cart"),
    ("Price", "price, discounts, deals, coupons, what the money gets"),
    ("Product Description", "features, material, size, colour, use, selling points"),
)
_ECOMMERCE_ZH = ("商品开场", "引导购买", "商品价格", "商品介绍和卖点描述")
_NEWS = (
    ("Future Plans", "what someone intends or is scheduled to do"),
    ("Assumptions", "speculation, expectations, what may happen"),
    ("Opinions", "views, statements of judgement, quoted reactions"),
    ("Facts", "events and verifiable statements of what happened"),
)
_NEWS_ZH = ("未来计划", "猜测", "观点", "事实")
_MEETING = (
    ("Decisions", "what the group agreed or decided"),
    ("Action Items", "who will do what next, follow-ups, deadlines"),
    ("Proposals", "ideas, suggestions and options put forward"),
    ("Discussion", "questions, explanations, arguments and other talk on the item"),
)

PROFILES: dict[str, Profile] = {
    "ecommerce-en": Profile(
        name="ecommerce-en",
        language="en",
        domain="ecommerce",
        topic_kind="items being sold that have a price",
        topic_format='"item: price"',
        same_question="Are the two items the same product on sale?",
        aspects=tuple(Aspect(k, k, h) for k, h in _ECOMMERCE),
        default_aspect="Product Description",
    ),
    "ecommerce-zh": Profile(
        name="ecommerce-zh",
        language="zh",
        domain="ecommerce",
        topic_kind="items being sold that have a price (the transcript is Chinese; answer item names in Chinese)",
        topic_format='"商品: 价格"',
        same_question="Are the two items the same product on sale on Taobao?",
        aspects=tuple(Aspect(k, zh, h) for (k, h), zh in zip(_ECOMMERCE, _ECOMMERCE_ZH)),
        default_aspect="商品介绍和卖点描述",
        chunk_size=120,
    ),
    "news-en": Profile(
        name="news-en",
        language="en",
        domain="news",
        topic_kind="news stories (when stories are nested, only the parent story)",
        topic_format="a short headline",
        same_question="Are the two headlines about the same or a closely related news story?",
        aspects=tuple(Aspect(k, k, h) for k, h in _NEWS),
        default_aspect="Facts",
        chunk_size=85,
    ),
    "news-zh": Profile(
        name="news-zh",
        language="zh",
        domain="news",
        topic_kind="news stories (the text is Chinese; answer short Chinese headlines)",
        topic_format="a short headline",
        same_question="Are the two headlines about the same or a closely related news story?",
        aspects=tuple(Aspect(k, zh, h) for (k, h), zh in zip(_NEWS, _NEWS_ZH)),
        default_aspect="事实",
        chunk_size=45,
    ),
    "meeting-en": Profile(
        name="meeting-en",
        language="en",
        domain="meeting",
        topic_kind="agenda items: the subjects the meeting discusses",
        topic_format="a short title of the agenda item",
        same_question="Are the two agenda items the same or a continuation of one discussion?",
        aspects=tuple(Aspect(k, k, h) for k, h in _MEETING),
        default_aspect="Discussion",
        chunk_size=120,  # meeting turns; agenda items run for hundreds of turns (QMSum recall 0.22 at 60, 0.35 at 120)
    ),
}


def detect_profile(texts: list[str], domain: str = "ecommerce") -> Profile:
    """The ``domain`` profile in the language most of ``texts`` is written in (Chinese if CJK dominates)."""
    chars = "".join(texts)
    cjk = sum(1 for ch in chars if "\u4e00" <= ch <= "\u9fff")
    letters = sum(1 for ch in chars if ch.isalpha())
    lang = "zh" if letters and cjk / letters > 0.3 else "en"
    return PROFILES[f"{domain}-{lang}"]


def get_profile(name: str) -> Profile:
    """The profile called ``name``; a ConfigError listing the valid names otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise unknown_name("profile", name, list(PROFILES)) from None
