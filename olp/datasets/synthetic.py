"""A seeded live-commerce transcript generator (English and Chinese) with gold topics and aspects.

A transcript interleaves product segments with chit-chat. A segment opens the product, then mixes description,
price and order-urging sentences (from templates filled with varied products, colours, styles and prices);
chit-chat also drops into segments now and then, as it does on real streams. Every product sentence is labeled
with its product (the gold topic) and its aspect; chit-chat belongs to no topic.

The same ``(n_sentences, lang, seed, config)`` always gives the same transcript; 10,000 sentences take a few tens
of milliseconds. Run ``python -m olp.datasets.synthetic --help`` to write a sample.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from olp.datasets import GoldTopic
from olp.types import Sentence

# Aspect keys, in the profiles' order; labels per language match olp.profiles (ecommerce-en / ecommerce-zh).
OPENING, URGING, PRICE, DESCRIPTION = "Opening", "Order Urging", "Price", "Product Description"
ASPECT_LABELS: dict[str, dict[str, str]] = {
    "en": {OPENING: "Opening", URGING: "Order Urging", PRICE: "Price", DESCRIPTION: "Product Description"},
    "zh": {OPENING: "商品开场", URGING: "引导购买", PRICE: "商品价格", DESCRIPTION: "商品介绍和卖点描述"},
}
PROFILE: dict[str, str] = {"en": "ecommerce-en", "zh": "ecommerce-zh"}

# Catalogue: item -> (styles, takes a colour). A product is "[colour] style item", e.g. "navy cashmere scarf".
_EN = {
    "items": {
        "wig": (("human hair", "synthetic", "lace front"), True), "scarf": (("silk", "cashmere", "wool"), True),
        "lipstick": (("matte", "satin", "glossy"), False), "blender": (("glass jar", "steel", "portable"), False),
        "yoga mat": (("cork", "rubber", "foam"), True), "sneakers": (("leather", "canvas", "knit"), True),
        "handbag": (("leather", "suede", "canvas"), True), "water bottle": (("steel", "glass", "insulated"), True),
        "hoodie": (("cotton", "fleece", "oversized"), True),
        "face serum": (("vitamin C", "retinol", "hydrating"), False),
        "phone case": (("silicone", "leather", "clear"), True), "desk lamp": (("LED", "brass", "wooden"), False),
        "backpack": (("nylon", "canvas", "leather"), True), "sunglasses": (("polarized", "acetate", "aviator"), False),
        "throw blanket": (("fleece", "wool", "knit"), True), "hair dryer": (("ionic", "compact", "ceramic"), True),
        "tea set": (("porcelain", "clay", "glass"), False), "watch": (("steel", "leather strap", "digital"), True),
        "rain jacket": (("waterproof", "packable", "hooded"), True),
        "frying pan": (("nonstick", "cast iron", "ceramic"), False),
        "pillow": (("memory foam", "down", "silk"), False), "perfume": (("floral", "vanilla", "citrus"), False),
        "earrings": (("pearl", "gold plated", "silver"), False),
        "headphones": (("wireless", "noise cancelling", "over ear"), True),
        "denim jacket": (("vintage", "cropped", "oversized"), False),
        "coffee mug": (("ceramic", "enamel", "glass"), True),
        "candle": (("soy", "lavender", "beeswax"), False), "wallet": (("leather", "slim", "zip"), True),
        "sandals": (("leather", "platform", "strappy"), True), "beanie": (("wool", "cashmere", "knit"), True),
    },
    "colors": ["black", "red", "navy", "pink", "white", "olive", "beige", "purple", "golden", "grey"],
    "features": ["it is super lightweight", "it comes with a two year warranty", "it is so easy to clean",
                 "it is handmade", "everyone in my family has one", "it makes a great gift", "it is travel friendly",
                 "the quality is really solid", "it ships in two days", "it has thousands of five star reviews"],
    "names": ["Jess", "Mike", "Lina", "Carlos", "Amy", "Tom", "Priya", "Ken", "Sofia", "Dee"],
    "opening": ["Okay next up we have this {product}.", "Let me show you guys the {product} now.",
                "Alright moving on to number {n}, the {product}.", "Look at this gorgeous {product} right here.",
                "Now this {product} is one of my favorites."],
    "description": ["This {style} {item} is so versatile, you can use it every day.", "As you can see {feature}.",
                    "Look at the detail on the {item}, {feature}.", "I have been using this {item} for a month.",
                    "The quality of this {item} is amazing.", "It goes with everything, trust me.",
                    "You are going to love it, {feature}."],
    "price": ["The {item} is only {price} today.", "The {item} is usually {old}, tonight it is {price}.",
              "You get the {product} for just {price}.", "{price} for the {item}, that is the deal.",
              "Buy two and the second {item} is half off, so {price} each."],
    "urging": ["Go add the {item} to your cart right now.", "We only have {n} left, grab it before it is gone.",
               "Click the link below and check out fast.", "Hurry, this price ends when the live ends.",
               "Type sold in the comments and claim your {item}."],
    "chitchat": ["Hi everyone, welcome in.", "Thanks for the follow {name}.", "How is everybody doing tonight?",
                 "Let me know in the comments where you are watching from.", "Give me one second, guys.",
                 "Can you all hear me okay?", "Shout out to {name}, love you.", "Oh my gosh, it is so hot in here.",
                 "Okay let me check the comments.", "{name} says hi, hi {name}!", "My dog is barking, sorry.",
                 "Don't forget to share the live with your friends."],
}

_ZH = {
    "items": {
        "连衣裙": (("真丝", "雪纺", "碎花"), True), "口红": (("哑光", "丝绒", "滋润"), False),
        "保温杯": (("不锈钢", "钛合金", "大容量"), True), "茶叶": (("龙井", "红茶", "乌龙"), False),
        "运动鞋": (("透气", "气垫", "轻便"), True), "双肩包": (("帆布", "真皮", "防水"), True),
        "面霜": (("保湿", "修护", "美白"), False), "毛衣": (("羊毛", "羊绒", "针织"), True),
        "围巾": (("真丝", "羊绒", "格子"), True), "电饭煲": (("智能", "迷你", "陶瓷内胆"), False),
        "蓝牙耳机": (("降噪", "运动", "入耳式"), True), "床单": (("纯棉", "真丝", "磨毛"), True),
        "洗发水": (("控油", "去屑", "无硅油"), False), "手表": (("机械", "石英", "智能"), True),
        "太阳镜": (("偏光", "复古", "防紫外线"), False), "羽绒服": (("白鸭绒", "白鹅绒", "轻薄"), True),
        "牛仔裤": (("高腰", "直筒", "弹力"), True), "香水": (("花香", "木质", "柑橘"), False),
        "台灯": (("护眼", "LED", "实木"), True), "炒锅": (("不粘", "铸铁", "麦饭石"), False),
        "枕头": (("乳胶", "记忆棉", "荞麦"), False), "帽子": (("渔夫", "棒球", "针织"), True),
        "钱包": (("真皮", "短款", "长款"), True), "凉鞋": (("真皮", "坡跟", "平底"), True),
        "卫衣": (("纯棉", "加绒", "连帽"), True), "耳环": (("珍珠", "纯银", "镀金"), False),
        "精华液": (("玻尿酸", "烟酰胺", "抗老"), False), "拖鞋": (("棉", "防滑", "居家"), True),
        "围裙": (("防水", "棉麻", "日式"), True), "马克杯": (("陶瓷", "玻璃", "搪瓷"), True),
    },
    "colors": ["黑色", "红色", "白色", "粉色", "蓝色", "米色", "紫色", "灰色", "金色", "绿色"],
    "features": ["特别轻便", "质保两年", "特别好清洗", "纯手工做的", "送人特别有面子", "出门带着很方便",
                 "做工非常细致", "两天就能到货", "好评过万", "性价比超高"],
    "names": ["小美", "阿强", "丽丽", "大刘", "晓晓", "老王", "甜甜", "阿杰", "思思", "小雨"],
    "opening": ["好，接下来给大家上这款{product}。", "来，宝宝们看一下这个{product}。",
                "我们来看{n}号链接，{product}。", "这款{product}是我自己特别喜欢的。", "下面给大家介绍{product}。"],
    "description": ["这款{style}{item}特别实用，天天都能用。", "大家可以看到它{feature}。", "看一下细节，{feature}。",
                    "这个{item}我自己用了一个月了。", "这个{item}的质感真的很好。", "真的很推荐，{feature}。",
                    "家里人都在用这个{item}。"],
    "price": ["这个{item}今天只要{price}。", "这个{item}平时卖{old}，今天直播间{price}。", "{product}只要{price}就能带回家。",
              "{item}{price}一件，就是这个价。", "{item}拍两件第二件半价，算下来{price}一件。"],
    "urging": ["赶紧把{item}加入购物车。", "只剩最后{n}单了，抓紧拍。", "点下方小黄车，直接下单。",
               "下播就恢复原价了，大家抓紧。", "想要{item}的宝宝扣一个1。"],
    "chitchat": ["欢迎新进来的宝宝们。", "感谢{name}的关注。", "大家晚上好呀。", "在的宝宝扣个在。", "稍等我一下哈。",
                 "能听到我说话吗？", "{name}来了，欢迎{name}。", "今天直播间好热啊。", "我看一下评论哈。",
                 "点点关注不迷路。", "我家猫在叫，不好意思。", "记得分享直播间给朋友哦。"],
}
_LANGS = {"en": _EN, "zh": _ZH}


@dataclass(frozen=True)
class SyntheticConfig:
    """How transcripts are shaped. Ranges are inclusive ``(low, high)``.

    Attributes:
        segment_sentences: product sentences per segment (the last segment may be cut by the length).
        opening: opening sentences at the start of a segment.
        price: price sentences per segment.
        urging: order-urging sentences per segment (the rest of the segment is description).
        chitchat_between: chit-chat sentences between two segments.
        chitchat_inside: chance of a chit-chat sentence after each product sentence within a segment.
        start_id: id of the first sentence.
    """

    segment_sentences: tuple[int, int] = (8, 20)
    opening: tuple[int, int] = (1, 2)
    price: tuple[int, int] = (1, 3)
    urging: tuple[int, int] = (1, 3)
    chitchat_between: tuple[int, int] = (1, 6)
    chitchat_inside: float = 0.1
    start_id: int = 1


@dataclass
class SyntheticTranscript:
    """A generated transcript and its labels.

    Attributes:
        stream: ``synthetic-<lang>-<seed>``.
        lang: ``"en"`` or ``"zh"``.
        profile: the olp profile whose aspects label it (``ecommerce-en`` / ``ecommerce-zh``).
        sentences: the transcript, ids consecutive from ``config.start_id``.
        topics: one gold topic per product segment: product name, its product sentences, ``{id: aspect label}``.
        product_of: ``{sentence id: product name}`` for product sentences (chit-chat ids are absent).
        products: ``{product name: {"item", "style", "color", "price", "old", "product"}}``, what the templates used.
    """

    stream: str
    lang: str
    profile: str
    sentences: list[Sentence]
    topics: list[GoldTopic]
    product_of: dict[int, str] = field(default_factory=dict)
    products: dict[str, dict[str, str]] = field(default_factory=dict)

    def aspect_pairs(self) -> list[tuple[int, str]]:
        """The gold ``(sentence id, aspect label)`` pairs, in id order."""
        return sorted((i, a) for t in self.topics for i, a in t.aspects.items())


class _Writer:
    """Fills templates for one language from one random generator."""

    def __init__(self, lang: str, rng: random.Random) -> None:
        self.words = _LANGS[lang]
        self.lang = lang
        self.rng = rng
        self.used: set[str] = set()
        self.items = list(self.words["items"])  # a list, so rng.choice is stable

    def product(self) -> dict[str, str]:
        w, rng, sep = self.words, self.rng, "" if self.lang == "zh" else " "
        for _ in range(20):  # re-draw a repeat; a crowded catalogue falls back to a numbered model
            item = rng.choice(self.items)
            styles, coloured = w["items"][item]
            style = rng.choice(styles)
            color = rng.choice(w["colors"]) if coloured else ""
            name = sep.join(p for p in (color, style, item) if p)
            if name not in self.used:
                break
        else:
            name = f"{name}{len(self.used) + 1}号" if self.lang == "zh" else f"{name} #{len(self.used) + 1}"
        self.used.add(name)
        cents = rng.choice((0.99, 0.0, 0.49))
        base = rng.randint(9, 299)
        if self.lang == "zh":
            price, old = f"{base}元", f"{base + rng.randint(20, 200)}元"
        else:
            price, old = f"${base + cents:.2f}", f"${base + rng.randint(20, 200) + cents:.2f}"
        return {"product": name, "item": item, "style": style, "color": color, "price": price, "old": old}

    def sentence(self, kind: str, slots: dict[str, str]) -> str:
        w, rng = self.words, self.rng
        return rng.choice(w[kind]).format(
            **slots, feature=rng.choice(w["features"]), name=rng.choice(w["names"]), n=rng.randint(2, 30)
        )


def _segment_plan(cfg: SyntheticConfig, rng: random.Random) -> list[str]:
    size = rng.randint(*cfg.segment_sentences)
    opening = min(rng.randint(*cfg.opening), size)
    price = min(rng.randint(*cfg.price), size - opening)
    urging = min(rng.randint(*cfg.urging), size - opening - price)
    body = [PRICE] * price + [URGING] * urging + [DESCRIPTION] * (size - opening - price - urging)
    rng.shuffle(body)
    return [OPENING] * opening + body


_KIND = {OPENING: "opening", PRICE: "price", URGING: "urging", DESCRIPTION: "description"}


def generate(
    n_sentences: int, lang: str = "en", seed: int = 0, config: SyntheticConfig | None = None
) -> SyntheticTranscript:
    """Generate a transcript of exactly ``n_sentences`` sentences.

    Args:
        n_sentences: the length (>= 0).
        lang: ``"en"`` or ``"zh"``.
        seed: the random seed; same arguments, same transcript.
        config: the shape; default ``SyntheticConfig()``.

    Raises:
        ValueError: a negative length or an unknown language.
    """
    if n_sentences < 0:
        raise ValueError("n_sentences must be >= 0")
    if lang not in _LANGS:
        raise ValueError(f"unknown language {lang!r}; choose 'en' or 'zh'")
    cfg = config or SyntheticConfig()
    rng = random.Random(f"olp-synthetic:{lang}:{seed}")  # a string seed is stable across Python versions
    writer = _Writer(lang, rng)
    labels = ASPECT_LABELS[lang]
    texts: list[str] = []
    topics: list[GoldTopic] = []
    product_of: dict[int, str] = {}
    products: dict[str, dict[str, str]] = {}

    def room() -> bool:
        return len(texts) < n_sentences

    def chitchat() -> None:
        texts.append(writer.sentence("chitchat", {}))

    while room():
        for _ in range(rng.randint(*cfg.chitchat_between)):
            if room():
                chitchat()
        slots = writer.product()
        products[slots["product"]] = slots
        aspects: dict[int, str] = {}
        for kind in _segment_plan(cfg, rng):
            if not room():
                break
            sid = cfg.start_id + len(texts)
            texts.append(writer.sentence(_KIND[kind], slots))
            aspects[sid] = labels[kind]
            product_of[sid] = slots["product"]
            if room() and rng.random() < cfg.chitchat_inside:
                chitchat()
        if aspects:
            topics.append(GoldTopic(name=slots["product"], ids=tuple(aspects), aspects=aspects))
    sentences = [Sentence(id=cfg.start_id + i, text=t) for i, t in enumerate(texts)]
    return SyntheticTranscript(
        stream=f"synthetic-{lang}-{seed}", lang=lang, profile=PROFILE[lang],
        sentences=sentences, topics=topics, product_of=product_of, products=products,
    )


def _main(argv: list[str] | None = None) -> None:
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description="Write a synthetic transcript (OLP-MINI format) and its gold labels.")
    parser.add_argument("--n", type=int, default=60, help="number of sentences")
    parser.add_argument("--lang", choices=sorted(_LANGS), default="en")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder")
    args = parser.parse_args(argv)
    t = generate(args.n, args.lang, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{t.stream}-n{args.n}"
    # The transcript in the OLP-MINI layout (a Python-literal pair list), so `olp run` reads it as is.
    stem.with_suffix(".txt").write_text(repr([[s.id, s.text] for s in t.sentences]), encoding="utf-8")
    # One topic per line keeps the gold file readable and diffable.
    topics = [json.dumps({"topic": g.name, "ids": list(g.ids), "aspects": {str(i): a for i, a in g.aspects.items()}},
                         ensure_ascii=False) for g in t.topics]
    header = json.dumps({"stream": t.stream, "profile": t.profile}, ensure_ascii=False)[:-1]
    gold = header + ', "topics": [\n' + ",\n".join(topics) + "\n]}\n"
    stem.with_suffix(".gold.json").write_text(gold, encoding="utf-8")
    print(stem.with_suffix(".txt"), stem.with_suffix(".gold.json"))


if __name__ == "__main__":
    _main()
