"""Lexicons the local engines read: stopwords, price and product cues, aspect cues, per language and domain.

Everything here is data (frozensets, tuples and compiled patterns): no imports beyond ``re``, so importing it is cheap.
English cue phrases are matched on lower-cased text with word boundaries; Chinese cues are matched as substrings.
"""

from __future__ import annotations

import re
from functools import lru_cache

# --- stopwords -------------------------------------------------------------------------------------------------

EN_STOP = frozenset(
    """a about above after again against all almost also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she she'd she'll
    she's should shouldn't so some such than that that's the their theirs them themselves then there there's these
    they they'd they'll they're they've this those through to too under until up very was wasn't we we'd we'll we're
    we've were weren't what what's when when's where where's which while who who's whom why why's with won't would
    wouldn't you you'd you'll you're you've your yours yourself yourselves
    okay ok yeah yes yep oh uh um hmm mm mhm huh ah ooh wow like just really gonna wanna gotta got get gets getting go
    going goes gone went come comes coming know knows think thing things right well actually literally guys girl
    girls y'all ya babe baby babes y'know also even still one ones way lot lots much many little bit kind sort
    say says said tell told see look looking let make made want need let's now today tonight here there ever
    never always maybe something anything everything nothing someone anyone everyone okay, i'mma imma gonna
    would could should will shall may might must can
    disfmarker vocalsound nonvocalsound pause gap laugh laughs laughing cough""".split()
)

ZH_STOP = frozenset(
    """的 了 是 我 你 他 她 它 我们 你们 他们 她们 咱们 大家 这 那 这个 那个 这些 那些 这里 那里 这样 那样 就 都 也 还 在
    有 和 与 及 或 或者 而 而且 但是 但 然后 所以 因为 如果 就是 还是 一个 一下 一些 什么 怎么 为什么 哪 哪个 多少 可以 能 会 要
    不 没 没有 很 非常 特别 真的 真 太 更 最 又 再 啊 呀 吧 呢 吗 哈 嘛 哦 噢 嗯 呃 额 哎 哎呀 唉 啦 咯 哇 对 对吧 好 好的 是的 没错
    宝子 宝宝 宝贝 家人 家人们 姐妹 姐妹们 兄弟 兄弟们 朋友 朋友们 主播 直播间 直播 今天 今晚 现在 时候 一下子 东西 问题 事情 感觉 觉得
    知道 看 看看 看一下 一起 起来 出来 过来 下来 上来 一点 有点 所有 其他 自己 我家 您 给 让 把 被 说 去 来 到 从 对于 关于 等 等等
    之 其 中 上 下 里 里面 外面 个 位 款 种 样 号""".split()
)

# --- e-commerce ------------------------------------------------------------------------------------------------

#: English product head nouns: a noun phrase ending in one of these is a product candidate.
EN_PRODUCT_HEADS = frozenset(
    """wig wigs unit units bundle bundles frontal closure dress dresses jacket jackets coat coats shirt shirts blouse
    sweater sweaters hoodie hoodies jeans pants trousers skirt skirts shorts jumpsuit romper suit blazer vest
    shoe shoes boot boots sneaker sneakers heels sandals slippers bag bags purse handbag backpack wallet necklace
    necklaces bracelet bracelets ring rings earring earrings pendant chain watch watches glasses sunglasses hat hats
    cap scarf belt gloves socks comb combs brush iron straightener dryer curler cream creams serum serums lotion
    cleanser toner mask masks lipstick lipsticks gloss palette foundation concealer mascara perfume fragrance
    shampoo conditioner oil soap tea teas coffee kit kits lamp blanket pillow mug bottle cup pan pot
    knife phone case charger headphones earbuds speaker camera toy toys candle candles skillet skillets wok kettle
    board boards blender toaster rug rugs towel towels sheets duvet quilt""".split()
)

#: Tools and accessories the host uses while showing the products: never the category of numbered products.
EN_ACCESSORY_HEADS = frozenset(
    "comb brush iron straightener dryer curler conditioner shampoo oil cream serum lotion bottle cup mug glasses "
    "belt bag".split()
)

#: Words that look like nouns near prices but never name the product.
EN_NOT_PRODUCT = frozenset(
    """price prices dollar dollars buck bucks deal deals discount discounts sale sales checkout cart shipping
    payment payments klarna order orders percent screen live chat link links minute minutes hour hours day days
    week weeks time times money tonight today monday tuesday wednesday thursday friday saturday sunday
    cents cent number inch inches""".split()
)

EN_CURRENCY = frozenset({"dollar", "dollars", "buck", "bucks", "usd", "bucks.", "dollars."})

#: Phrases after which a product number ("number 13") is the product being shown now (strong reference).
EN_STRONG_REF = re.compile(
    r"\b(?:this one is|this is|that is|she is|he is|it is|here is|here's|let's go to|go to|move on to|moving on to|"
    r"move into|get into|getting into|try on|trying on|going in with|throw on|flip on|switch to|showing you|"
    r"next up is|next is|we have|check out)\s+(?:our |my |your |the )?(?:number|no\.?|#)\s*"
)

EN_OPENING = (
    "next up", "let's move on", "move on to", "moving on", "let's go to", "let's get into", "get into her",
    "now let's", "this one is", "introducing", "first up", "we're about to get into", "going in with",
    "i'm gonna try on", "gonna try on", "throw on", "flip her on", "let me show you", "check out this",
    "up next", "coming up next", "let's talk about", "let's look at", "here we have", "our next",
    "next product", "last product", "next item",
)
#: Phrases that introduce the next product by name ("let's talk about this cast iron skillet"): a subset of the
#: opening cues without the ones a host says about the product already on show ("flip her on", "get into her").
EN_INTRODUCING = (
    "next up", "up next", "coming up next", "first up", "let's talk about", "let's look at", "here we have",
    "introducing", "our next", "next product", "last product", "next item", "moving on to", "move on to",
    "check out this", "let me show you",
)
EN_URGING = (
    "buy now", "add to cart", "add it to", "click", "check out", "checkout", "shopping cart", "cart", "order",
    "grab", "hurry", "don't miss", "do not miss", "limited", "sold out", "selling out", "stock", "link",
    "place your", "purchase", "don't be shy", "go get", "get yours", "get her", "get it", "before it's gone",
    "last chance", "while i'm live", "throughout the live", "don't wait", "right now", "asap", "quick",
    "flash sale", "only during", "going back to normal", "prices go back", "by monday", "ship",
)
EN_PRICE_WORDS = (
    "price", "priced", "cost", "costs", "dollar", "dollars", "buck", "bucks", "$", "percent off", "% off", "off",
    "discount", "deal", "sale", "coupon", "klarna", "installment", "installments", "payment", "payments",
    "starting at", "going for", "only", "cheaper", "expensive", "save", "saving", "free shipping", "cents",
)
#: Said shortly before a price it is compared with ("original beneficial price seven hundred fifty nine").
EN_REGULAR_BEFORE = frozenset(
    "original regular retail retails retailed retailer usually normally previously worth valued value offline msrp "
    "was".split()
)
#: Said shortly before the price a viewer pays now ("but today only four hundred nine", "brings it down to").
EN_DEAL_BEFORE = frozenset("today tonight only just now final down but".split())
EN_CLOSING = (
    "that's it for", "that is it for", "moving on", "move on", "next up", "let's go to number", "sold out",
    "that's all for", "we're done with", "last call", "up next", "coming up next",
)

ZH_PRICE_UNITS = ("块钱", "块", "元", "圆", "米", "毛")
ZH_PRICE_CUES = (
    "价", "价格", "到手", "只要", "仅需", "只需", "一口价", "秒杀", "券后", "拍下", "拍", "买", "下单", "福利", "优惠",
    "原价", "日常价", "直播价", "包邮", "划算", "便宜", "¥", "￥", "钱",
)
ZH_DISCOUNT_BEFORE = ("减", "省", "便宜", "优惠", "立减", "砍", "降", "少", "扣", "返", "券")
#: Said before a price it is compared with: the usual price, another shop's ("平常你去买的价格是二百八十九").
ZH_REGULAR_BEFORE = (
    "原价", "日常价", "日常", "平时", "平常", "本身", "原来", "以前", "之前", "门店", "线下", "线上价", "专柜", "市场价",
    "吊牌价", "官网", "外面", "别家", "定价", "卖到", "不到", "不超过", "没有下过", "没下过", "低于", "高于",
)
#: Said before the price a viewer pays now ("今天在我们直播间到手价格七十九", "这条裤子才五十九块九").
ZH_DEAL_BEFORE = (
    "到手", "只要", "只需", "仅需", "今天", "今晚", "直播间", "直接", "秒杀", "福利", "券后", "现在", "才", "一口价",
    "活动价", "直播价",
)
ZH_NOT_PRICE_AFTER = (
    "号", "盒", "包", "个", "款", "件", "斤", "克", "天", "分钟", "秒", "点", "年", "月", "日", "人", "岁", "次", "小时",
    "厘米", "毫米", "公分", "码", "到", "和", "、", "至", "或", "万人", "多人", "瓶", "支", "条", "双", "套", "只", "份",
    "袋", "罐", "片", "颗", "粒", "度", "层", "种", "位", "单", "台", "本", "张", "周", "遍", "度", "折", "倍", "楼",
    "尺", "多", "几", "左右",  # "一七零尺码" is a size; "两百多块钱", "十几块", "三百左右" are guesses, not prices
)
ZH_NOT_PRICE_BEFORE = ("第", "几", "号", "前", "后", "共", "一共", "有", "送")
ZH_URGING = (
    "拍", "下单", "抢", "链接", "上车", "抓紧", "库存", "赶紧", "付款", "加购", "购物车", "小黄车", "倒计时", "手慢无",
    "没有了", "秒杀", "上链接", "去买", "冲", "关注", "点关注", "不要犹豫", "错过", "最后", "限量", "限时", "预售",
    "现货", "改价", "拍下", "快去", "拼手速",
)
ZH_PRICE_WORDS = ZH_PRICE_CUES + ZH_PRICE_UNITS + ("送", "赠", "折", "减", "券", "一盒", "两盒", "三盒")
ZH_OPENING = (
    "接下来", "这款", "下一款", "来看一下", "给大家介绍", "给大家分享", "今天给大家", "我们来看", "这个是", "这一款",
    "看一下这", "号链接", "上新", "新品", "开场", "来，", "给大家带来", "推荐",
    "给大家上", "给你们上", "给大家开", "给你们开", "来一款", "来款",
)
ZH_CLOSING = ("下一款", "接下来", "过款", "就到这", "换下一", "下一个", "最后一款", "拍完了", "抢完了", "没有了")

#: Chinese product head words (a noun containing one of these is a product candidate).
ZH_PRODUCT_HEADS = (
    "衬衫", "裙", "裤", "外套", "卫衣", "毛衣", "t恤", "鞋", "靴", "包", "项链", "手链", "吊坠", "戒指", "耳环", "手串",
    "帽", "茶", "礼盒", "套装", "面膜", "口红", "精华", "乳", "霜", "洗面奶", "洗发水", "香水", "粉底", "眼影", "麻花",
    "零食", "坚果", "核桃", "大礼包", "米", "油", "锅", "杯", "瓶", "表", "眼镜", "围巾", "被", "枕", "纸", "酒",
)
ZH_NOT_PRODUCT = frozenset(
    """价格 价 链接 店铺 直播 直播间 主播 宝子 宝宝 家人 姐妹 兄弟 朋友 老铁 大哥 时间 库存 现货 预售 问题 公屏 公屏区 礼品 礼赠
    福利 优惠 活动 价钱 钱 块钱 东西 款式 颜色 尺码 码数 码 地方 事情 时候 视频 小时 分钟 工资 公司 面试 节日 国庆 关注 粉丝
    单 单子 号 号链接 好物 购物袋 购物车 小黄车 样子 感觉 效果 品质 质量 品牌 头围 设计师 工艺 主品 盒子 尺寸 材质 面料 克重
    整整 平时 日常 线上 线下 门店 手速 包装 选项 倒计时 原价 现价 福利价 直播价 日常价 一口价 今晚 今天 明天 老公 老婆
    男生 女生 男士 女士 性价比 类型 价位 单价 版型 工作 人员 时间段 同学 老师 蚊子
    全部 全部都是 基本上 人家 试一下 细节 秒钟 订单 方式 功能 类目 点位 上车 先拍 体验 种草 补贴 白菜价 镜头 证书 商场
    实验 安全 牌子""".split()
)

# --- news ------------------------------------------------------------------------------------------------------

NEWS_EN = {
    "Future Plans": (
        "will", "plans to", "plan to", "planned", "intend", "intends", "scheduled", "is set to", "are set to",
        "going to", "aims to", "next week", "next month", "next year", "later this", "upcoming", "to be held",
        "would begin", "expects to", "hopes to", "vowed to", "promised to", "proposal to", "due to begin",
    ),
    "Assumptions": (
        "may", "might", "could", "expected", "likely", "unlikely", "possibly", "perhaps", "probably", "suspect",
        "suspected", "believed to", "speculat", "appears to", "seems", "is thought", "potential", "rumor", "rumour",
        "estimated", "predict", "forecast", "allegedly",
    ),
    "Opinions": (
        "believes", "believe", "argued", "argues", "praised", "criticized", "criticised", "thinks", "think",
        "opinion", "described as", "considered", "insisted", "warned", "urged", "should", "welcomed", "condemned",
        "love", "hate", "feel", "honestly", "i'm", "i've", "i don't", "refreshing", "amazing", "terrible",
        "horrifying", "shocked", "great", "best", "worst", "wonderful", "awful", "ridiculous", "important",
        "dedicated", "remarkable", "sad", "loss", "disappointed", "proud",
    ),
    "Reported": (
        "said", "says", "say", "told", "added", "according to", "noted", "wrote", "tweeted", "claimed", "stated",
        "in a statement", "explained", "recalled", "remembered",
    ),
}
NEWS_ZH = {
    "未来计划": ("将", "计划", "拟", "打算", "准备", "将于", "明年", "下一步", "即将", "未来", "规划", "争取", "力争", "预定"),
    "猜测": ("可能", "也许", "或许", "预计", "估计", "猜测", "推测", "有望", "恐怕", "大概", "或将", "疑似", "预测", "据悉"),
    "观点": ("认为", "觉得", "看来", "强调", "呼吁", "批评", "坦言", "建议", "希望", "警告", "重要", "必须", "显得"),
    "Reported": ("表示", "称", "指出", "说", "介绍", "透露", "据了解"),
    "Weak future": ("要", "应", "需要", "加快", "加强", "推进", "确保"),
}

# --- meetings --------------------------------------------------------------------------------------------------

MEETING_EN = {
    "Decisions": (
        "we decided", "we've decided", "decided", "we agreed", "agreed", "we agree", "let's go with", "we'll go with",
        "settled", "final decision", "decision is", "that's decided", "we've chosen", "we chose", "we're going with",
        "consensus", "it's decided", "we will use", "we'll use",
    ),
    "Action Items": (
        "i'll", "i will", "we'll need", "need to", "needs to", "have to", "action item", "to do", "by next",
        "next meeting", "homework", "assign", "take care of", "follow up", "send", "email", "i'm going to",
        "you'll", "deadline", "will prepare", "will look", "will check", "responsible for", "make sure",
    ),
    "Proposals": (
        "maybe we could", "maybe we should", "we could", "suggest", "suggestion", "propose", "proposal", "how about",
        "what if", "i think we should", "why don't we", "idea", "option", "alternative", "perhaps", "could we",
        "we might", "what about", "i'd recommend", "recommend", "my thought",
    ),
}


@lru_cache(maxsize=128)
def compile_phrases(phrases: tuple[str, ...] | frozenset[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``phrases`` at word boundaries (English); cached."""
    parts = sorted({re.escape(p.strip()) for p in phrases if p.strip()}, key=lambda p: (-len(p), p))
    return re.compile(r"(?<![\w$])(?:" + "|".join(parts) + r")(?!\w)", re.I)
