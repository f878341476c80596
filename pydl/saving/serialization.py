"""Layer and model configs <-> objects. Class names resolve only through pydl's registry (or the caller's explicit
custom_objects): a config is data, never code."""
import inspect

from ..utils.registry import custom_object_scope, lookup


def serialize_layer(layer):
    from .. import registry  # a plugin's layer is saved under its registered "<plugin>.<Name>"
    return {"class_name": registry.layer_name(type(layer)) or type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(spec, custom_objects=None):
    if not isinstance(spec, dict) or "class_name" not in spec or not isinstance(spec.get("config", {}), dict):
        raise ValueError(f"invalid layer config: expected {{'class_name': ..., 'config': {{...}}}}, got {spec!r:.200}")
    cls = lookup("layer", spec["class_name"], custom_objects)
    config = dict(spec.get("config") or {})
    with custom_object_scope(custom_objects):
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(config, custom_objects=custom_objects)
        try:
            return cls.from_config(config)
        except TypeError as e:
            raise ValueError(f"cannot rebuild layer {config.get('name')!r} of class {spec['class_name']}: {e}") from None


def model_to_config(model):
    return {"class_name": type(model).__name__, "config": model.get_config()}


def model_from_config(config, custom_objects=None):
    """A model (not compiled, fresh weights) from {'class_name': 'Sequential'|'Model'|..., 'config': ...}."""
    return deserialize_layer(config, custom_objects)


def model_from_json(json_string, custom_objects=None):
    import json
    return model_from_config(json.loads(json_string), custom_objects)
