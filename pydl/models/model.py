"""pydl.models.Model: the functional model (graph engine + training + summary + saving)."""
from ..utils.registry import register
from .network import Network
from .summary import print_summary
from .training import TrainingMixin


@register("layer")
class Model(TrainingMixin, Network):
    """Model(inputs, outputs): layers connected by calling them on symbolic tensors from pydl.layers.Input.

    >>> x = pydl.layers.Input(shape=(784,))
    >>> h = pydl.layers.Dense(64, activation='relu')(x)
    >>> model = pydl.models.Model(inputs=x, outputs=pydl.layers.Dense(10, activation='softmax')(h))
    """

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)

    def summary(self, line_length=None, positions=None, print_fn=None):
        print_summary(self, line_length, positions, print_fn)

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Architecture (JSON config) and weights in one data-only file, written atomically."""
        from ..saving import save_model
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        from ..saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, max_bytes=None):
        """All weights or none (everything is checked before the first is assigned); max_bytes raises the load
        size cap (default pydl.saving.limits.DEFAULT_MAX_BYTES, or env PYDL_MAX_LOAD_BYTES)."""
        from ..saving import load_weights
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch, max_bytes=max_bytes)

    def to_json(self, **kwargs):
        import json
        from ..saving.serialization import model_to_config
        return json.dumps(model_to_config(self), **kwargs)

    def reset_states(self):
        pass
