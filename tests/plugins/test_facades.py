"""pydl.applications / pydl.preprocessing.image: façades that serve whatever a plugin registered with add_api, and
say which plugin to install when none did."""
import subprocess
import sys

import pytest

import pydl.registry
from pydl.plugins import DISABLE_ENV


def test_a_plugins_api_serves_the_facade(site):
    site.add("fake-vision", {"fakevision": "fakevision:P"}, {"fakevision": site.source("fakevision", """
        def vgg19(**kw):
            return ("vgg19", kw)
        def pre(x):
            return x + 1
        class Gen:
            pass
        registry.add_api("applications.vgg19", {"VGG19": vgg19, "preprocess_input": pre})
        registry.add_api("preprocessing.image", {"ImageDataGenerator": Gen})
    """)})
    from pydl.applications import vgg19
    from pydl.preprocessing import image
    assert vgg19.VGG19(weights=None) == ("vgg19", {"weights": None})
    assert vgg19.preprocess_input(1) == 2
    assert pydl.applications.VGG19 is vgg19.VGG19
    assert image.ImageDataGenerator.__name__ == "Gen"
    assert "preprocess_input" in dir(vgg19)
    with pytest.raises(AttributeError, match="has no attribute 'decode_predictions'.*provides VGG19, "
                                             "preprocess_input"):
        vgg19.decode_predictions
    from pydl.plugins import facade
    with pytest.raises(ImportError, match="pydl.applications.nasnet is provided by a plugin: pip install pydl-vision"):
        facade.names("applications.nasnet")  # registered by no plugin


def test_api_paths_and_names_are_validated(site):
    site.add("bad-api", {"badapi": "badapi:P"}, {"badapi": site.source("badapi", """
        registry.add_api("Applications/VGG", {"VGG19": object})
    """)})
    from pydl.plugins import loader
    with pytest.warns(Warning, match="dotted lower-case module path"):
        loader.ensure("badapi")  # a plugin whose register() fails is isolated, with the reason
    registrar = pydl.registry.Registrar("x")
    with pytest.raises(TypeError, match="dict of identifier"):
        registrar.add_api("applications.vgg19", {"not an identifier": 1})


def test_without_a_provider_the_error_names_the_plugin(tmp_path):
    code = ("import pydl\n"
            "try:\n    from pydl.preprocessing.image import ImageDataGenerator\n"
            "except ImportError as e:\n    print('ImportError:', e)\n")
    env = {DISABLE_ENV: "1", "PATH": "", "PYTHONPATH": ":".join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "ImportError: pydl.preprocessing.image is provided by a plugin: pip install pydl-vision" in out.stdout, \
        out.stderr
