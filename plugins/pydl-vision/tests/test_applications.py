"""keras.applications / keras.preprocessing.image through pydl's façades, served by this plugin; and the book's
transfer-learning notebook pattern (a frozen VGG19 base, a new head, flow_from_directory) written in our words."""
import json

import numpy as np
import pytest

import pydl
from pydl_vision import applications
from pydl_vision.preprocessing import image as vision_image


def test_facades_serve_the_plugins_own_objects():
    from pydl.applications.resnet50 import ResNet50
    from pydl.applications.vgg16 import VGG16, decode_predictions
    from pydl.preprocessing.image import ImageDataGenerator, img_to_array, load_img
    assert ImageDataGenerator is vision_image.ImageDataGenerator
    assert load_img is vision_image.load_img and img_to_array is vision_image.img_to_array
    assert VGG16 is applications.VGG16 and ResNet50 is applications.ResNet50
    assert decode_predictions is applications.decode_predictions
    assert pydl.applications.VGG19 is applications.VGG19


def test_keras_parameter_counts_and_imagenet_default(tmp_path, monkeypatch):
    from pydl.applications.vgg19 import VGG19
    assert VGG19(include_top=False, weights=None, input_shape=(32, 32, 3)).count_params() == 20_024_384  # Keras
    monkeypatch.setenv("PYDL_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        VGG19(include_top=False, input_shape=(32, 32, 3))  # Keras's default weights='imagenet', not cached here


def test_preprocess_input_is_kerass_caffe_mode():
    from pydl.applications.vgg19 import preprocess_input
    rgb = np.random.default_rng(0).uniform(0, 255, (2, 4, 5, 3))
    out = preprocess_input(rgb)
    expected = rgb[..., ::-1] - np.array([103.939, 116.779, 123.68])
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)
    assert out.dtype == np.float32 and np.array_equal(rgb, rgb)  # the input is left as it was
    with pytest.raises(ValueError, match=r"3 channels last, got shape \(2, 4\)"):
        preprocess_input(np.zeros((2, 4)))


def _class_index(path):
    path.mkdir(parents=True, exist_ok=True)
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (path / applications.CLASS_INDEX_FILE).write_text(json.dumps(index))


def test_decode_predictions_reads_the_cached_class_index(tmp_path, monkeypatch):
    from pydl.applications.vgg16 import decode_predictions
    monkeypatch.setenv("PYDL_DATA_DIR", str(tmp_path))
    _class_index(tmp_path / "weights")
    scores = np.zeros((2, 1000))
    scores[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    scores[1, 42] = 1.0
    top = decode_predictions(scores, top=3)
    assert top[0] == [("n00000007", "class_7", 0.5), ("n00000003", "class_3", 0.3), ("n00000999", "class_999", 0.2)]
    assert top[1][0] == ("n00000042", "class_42", 1.0) and len(top[1]) == 3
    with pytest.raises(ValueError, match=r"shape \(n, 1000\); got \(2, 10\)"):
        decode_predictions(np.zeros((2, 10)))


def test_a_corrupt_class_index_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PYDL_DATA_DIR", str(tmp_path))
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / applications.CLASS_INDEX_FILE).write_text('{"0": ["n1", "tench"]}')
    with pytest.raises(ValueError, match="not an ImageNet class index"):
        applications.decode_predictions(np.zeros((1, 1000)))


def test_transfer_learning_with_a_frozen_base_and_flow_from_directory(tmp_path):
    """The notebook's steps: a VGG19 base without its top, frozen; a new dense head; images read from class
    folders by ImageDataGenerator with augmentation; fit on the generator; the base's weights do not move."""
    from PIL import Image

    from pydl.applications.vgg19 import VGG19, preprocess_input
    from pydl.layers import Dense, Dropout, Flatten
    from pydl.preprocessing.image import ImageDataGenerator
    rng = np.random.default_rng(0)
    for split in ("train", "valid"):
        for label, colour in (("hot_dog", (200, 40, 40)), ("not_hot_dog", (40, 40, 200))):
            folder = tmp_path / split / label
            folder.mkdir(parents=True)
            for i in range(6):
                pixels = np.clip(np.array(colour) + rng.normal(0, 20, (32, 32, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{i}.png")
    pydl.manual_seed(0)
    base = VGG19(include_top=False, weights=None, input_shape=(32, 32, 3), pooling=None)
    for layer in base.layers:
        layer.trainable = False
    model = pydl.Sequential()
    model.add(base)
    model.add(Flatten(name="flattened"))
    model.add(Dropout(0.5, name="dropout"))
    model.add(Dense(2, activation="softmax", name="predictions"))
    # An untrained base gives small features (|f| ~ 0.06), so the head needs a larger step than Adam's default.
    model.compile(optimizer=pydl.optimizers.Adam(lr=0.1), loss="categorical_crossentropy", metrics=["accuracy"])
    assert model.count_params() == 20_024_384 + 512 * 2 + 2
    train = ImageDataGenerator(preprocessing_function=preprocess_input, rotation_range=10, horizontal_flip=True)
    valid = ImageDataGenerator(preprocessing_function=preprocess_input)
    train_gen = train.flow_from_directory(str(tmp_path / "train"), target_size=(32, 32), batch_size=4, seed=0,
                                          class_mode="categorical")
    valid_gen = valid.flow_from_directory(str(tmp_path / "valid"), target_size=(32, 32), batch_size=4, seed=0,
                                          class_mode="categorical")
    before = [w.copy() for w in base.get_weights()]
    history = model.fit(train_gen, steps_per_epoch=3, epochs=12, validation_data=valid_gen, validation_steps=3,
                        verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))  # frozen
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    assert history.history["val_accuracy"][-1] == 1.0  # red vs blue squares: the new head separates them
