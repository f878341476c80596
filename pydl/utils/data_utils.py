"""Keras's batch-sequence base class (keras.utils.Sequence): fit/evaluate/predict read len() batches from it."""


class Sequence:
    """Base class for Keras-style batch sequences: batch i is self[i], len() batches per epoch; on_epoch_end()
    runs after each full pass (e.g. to reshuffle)."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
