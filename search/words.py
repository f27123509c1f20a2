"""Chinese word segmentation for relevance and similar cases (jieba, search mode: 卫生间 also
yields 卫生). Loaded once per process, on first use."""
from __future__ import annotations

import logging
import threading

from search.documents import normalize
from search.query import tokens

_lock = threading.Lock()
_tokenizer = None


def _jieba():
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _tokenizer = tokenizer
    return _tokenizer


def words(text: str) -> list[str]:
    """The words of `text`, lower case, without punctuation or white space."""
    if not text:
        return []
    return [w for w in _jieba().cut_for_search(normalize(text)) if tokens(w)]
