"""Product recall on labelled live-commerce transcripts (the OLP-MINI labels; defined in ``datasets/olp-mini.md``).

A labelled transcript has products, each with sentence-id ``segments``; a product's sentences are the
transcript's sentences whose ids fall in its segments. A document's sentences are the ids under its aspects
(its span when it has none). Per set of transcripts:

* **recall**: products matched one-to-one by a document at sentence-set IoU >= 0.5 (greedy by IoU), over products;
* **detected**: products that hold at least half of some document's sentences, over products;
* **precision**: documents with at least half their sentences inside one product, over documents;
* **price named**: priced products one of whose detecting documents (documents with at least half their
  sentences inside the product) has a topic containing a number of the labelled price, over priced products;
* **empty outputs**: transcripts with products but no document.

Matching is greedy: pairs at or above IoU 0.5 in decreasing IoU (ties: earlier product, then earlier document).
A price's numbers are its digit strings (``19.99``; ``$1,299`` is 1299); a number followed by ``%`` is a discount,
not a price. Ratios are NaN when their denominator is 0.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from olp.datasets import GoldTopic
from olp.evaluation.recall import Document, doc_ids, match_topics

#: Label file per language code (``zh`` and ``cn`` both name the Chinese labels).
LABEL_FILES = {"en": "en.json", "zh": "cn.json", "cn": "cn.json"}


@dataclass(frozen=True)
class Product:
    """One labelled product of a transcript."""

    name: str
    price: str | None
    ids: frozenset[int]  # the transcript's sentence ids inside the product's segments

    @property
    def priced(self) -> bool:
        return bool(self.price)


@dataclass
class Transcript:
    """One labelled transcript: its file name, live stream and products."""

    name: str
    stream: str
    products: list[Product] = field(default_factory=list)


def labels_dir() -> Path:
    """``$OLP_DATA_DIR/olp-mini-labels`` (default ``../shared/data/olp-mini-labels``)."""
    from olp.settings import data_dir

    return data_dir() / "olp-mini-labels"


def load_labels(lang: str, sentence_ids: Mapping[str, Iterable[int]] | None = None,
                root: str | Path | None = None) -> dict[str, Transcript]:
    """The labelled transcripts of one language, by file name (``ENnnn``, ``CNnnn``).

    Args:
        lang: ``en`` or ``zh`` (``cn``).
        sentence_ids: each file's sentence ids; a product keeps only the ids its transcript has (some files skip
            ids). Without it, every id of a segment counts.
        root: the labels folder; default ``labels_dir()``.
    """
    from olp.errors import BadInputError

    folder = Path(root) if root is not None else labels_dir()
    if not folder.is_dir():
        raise BadInputError(f"OLP-MINI labels folder {folder} not found; set OLP_DATA_DIR to the folder holding "
                            "olp-mini-labels/")
    path = folder / LABEL_FILES[lang.lower()]
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInputError(f"OLP-MINI labels {path} not found; set OLP_DATA_DIR to the folder holding "
                            "olp-mini-labels/") from exc
    out: dict[str, Transcript] = {}
    for name, entry in raw.items():
        have = set(sentence_ids[name]) if sentence_ids is not None and name in sentence_ids else None
        t = Transcript(name, str(entry.get("stream") or name))
        for p in entry.get("products") or []:
            ids = {i for a, b in p.get("segments") or [] for i in range(int(a), int(b) + 1)}
            if have is not None:
                ids &= have
            t.products.append(Product(str(p.get("name") or ""), p.get("price") if p.get("priced") else None,
                                      frozenset(ids)))
        out[name] = t
    return out


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PERCENT = re.compile(r"\s*[%％]")


def numbers(text: str) -> set[float]:
    """The numbers written in digits in ``text`` ("$499 (was $759)" -> {499, 759}); percentages are not prices
    ("50% off" has none: the whole number is skipped, not just its last digit)."""
    text = text.replace(",", "")
    return {float(m.group()) for m in _NUMBER.finditer(text) if not _PERCENT.match(text, m.end())}


def _inside(doc: set[int], product: frozenset[int]) -> bool:
    return bool(doc) and 2 * len(doc & product) >= len(doc)


@dataclass
class Counts:
    """Counts behind the scores, additive over transcripts."""

    products: int = 0
    matched: int = 0
    detected: int = 0
    documents: int = 0
    precise: int = 0
    priced: int = 0
    price_named: int = 0
    with_products: int = 0
    empty_outputs: int = 0
    empty_files: list[str] = field(default_factory=list)

    def add(self, other: "Counts") -> None:
        for k, v in vars(other).items():
            setattr(self, k, getattr(self, k) + v)

    def scores(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float:
            return a / b if b else math.nan

        return {"recall": ratio(self.matched, self.products), "detected": ratio(self.detected, self.products),
                "precision": ratio(self.precise, self.documents), "price_named": ratio(self.price_named, self.priced),
                "empty_outputs": self.empty_outputs, "products": self.products, "documents": self.documents,
                "transcripts_with_products": self.with_products, "empty_files": list(self.empty_files)}


def score_transcript(docs: Sequence[Document], transcript: Transcript) -> Counts:
    """The counts of one transcript's documents against its labels."""
    c = Counts()
    products = [p for p in transcript.products if p.ids]
    doc_sets = [doc_ids(d) for d in docs]
    c.products, c.documents = len(products), len(docs)
    gold = [GoldTopic(p.name, tuple(sorted(p.ids)), {}) for p in products]
    c.matched = len(match_topics(docs, gold))
    for p in products:
        detecting = [k for k, s in enumerate(doc_sets) if _inside(s, p.ids)]
        c.detected += bool(detecting)
        if p.priced:
            c.priced += 1
            want = numbers(p.price or "")
            c.price_named += any(want & numbers(str(docs[k].get("topic") or "")) for k in detecting)
    c.precise = sum(any(_inside(s, p.ids) for p in products) for s in doc_sets)
    if products:
        c.with_products = 1
        if not docs:
            c.empty_outputs, c.empty_files = 1, [transcript.name]
    return c


def score(docs_by_file: Mapping[str, Sequence[Document]], labels: Mapping[str, Transcript]) -> dict[str, Any]:
    """The scores (see the module docstring) over the labelled files in ``docs_by_file``."""
    total = Counts()
    for name, docs in docs_by_file.items():
        if name in labels:
            total.add(score_transcript(docs, labels[name]))
    return total.scores()
