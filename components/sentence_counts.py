"""Rasa's CountVectorsFeaturizer making sentence features only.

The classifiers after it (components/linear_classifiers.py) read each message's sentence
features and nothing else, but Rasa's featurizer also counts every token on its own for
sequence features (a second pass over the message, then a matrix conversion): about 0.4
ms of every message for features no component reads. Same vocabulary, same sentence
features, so the same predictions.
"""

from __future__ import annotations

from typing import List, Optional, Text, Tuple

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    def _create_features(
        self, attribute: Text, all_tokens: List[List[Text]]
    ) -> Tuple[List[Optional[scipy.sparse.spmatrix]], List[Optional[scipy.sparse.spmatrix]]]:
        sentences: List[Optional[scipy.sparse.spmatrix]] = []
        for tokens in all_tokens:
            if not tokens or attribute != TEXT or not self.vectorizers.get(attribute):
                sentences.append(None)
                continue
            vector = self.vectorizers[attribute].transform([" ".join(tokens)])
            vector.sort_indices()
            sentences.append(vector.tocoo())
        return [None] * len(sentences), sentences
