"""flow_from_directory's iterator: one subfolder per class (sorted names unless `classes` is given), image files
found recursively, read with Pillow batch by batch (Keras 2's DirectoryIterator)."""
import os
import warnings

import numpy as np

from .image_utils import img_to_array, load_img
from .iterators import Iterator

CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}


def list_class_files(directory, classes, formats, split=None, follow_links=False):
    """(filenames relative to directory, int32 labels) class by class, each class's files in sorted order;
    split=(lo, hi) keeps that fraction of every class (validation_split's subsets)."""
    filenames, labels = [], []
    for label, name in enumerate(classes):
        folder = os.path.join(directory, name)
        found = []
        for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda t: t[0]):
            for fname in sorted(files):
                if fname.lower().endswith(tuple("." + f for f in formats)):
                    if fname.lower().endswith(".tiff"):
                        warnings.warn('Using ".tiff" files with multiple bands will cause distortion. Please verify '
                                      "your output.")
                    found.append(os.path.relpath(os.path.join(root, fname), directory))
        if split is not None:
            found = found[int(split[0] * len(found)):int(split[1] * len(found))]
        filenames += found
        labels += [label] * len(found)
    return filenames, np.asarray(labels, dtype="int32")


class DirectoryIterator(Iterator):
    """Batches (x, y) from image files: y one-hot ('categorical'), the class index as a float ('binary',
    'sparse'), the images themselves ('input'), or x alone (class_mode=None)."""

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format="channels_last",
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", dtype="float32"):
        if color_mode not in CHANNELS:
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", or "grayscale".')
        if class_mode not in CLASS_MODES:
            raise ValueError(f'Invalid class_mode: {class_mode!r}; expected one of "categorical", "binary", '
                             '"sparse", "input" or None.')
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: no such directory: {directory!r}")
        split = None
        if subset is not None:
            v = image_data_generator._validation_split
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
            split = (0.0, v) if subset == "validation" else (v, 1.0)
        self.directory, self.image_data_generator = directory, image_data_generator
        self.target_size = tuple(int(s) for s in target_size)
        self.color_mode, self.class_mode, self.interpolation, self.dtype = color_mode, class_mode, interpolation, dtype
        self.image_shape = self.target_size + (CHANNELS[color_mode],)
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        if classes is None:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        if class_mode == "binary" and self.num_classes > 2:
            raise ValueError(f"class_mode='binary' needs at most 2 classes, found {self.num_classes}: {list(classes)}")
        self.filenames, self.classes = list_class_files(directory, classes, self.white_list_formats, split,
                                                        follow_links)
        self.samples = len(self.filenames)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return [os.path.join(self.directory, f) for f in self.filenames]

    @property
    def labels(self):
        return self.classes

    def _batch(self, index_array, rng):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(os.path.join(self.directory, self.filenames[j]), color_mode=self.color_mode,
                           target_size=self.target_size, interpolation=self.interpolation)
            batch_x[i] = self._transform(img_to_array(img, dtype=self.dtype), rng)
            img.close()
        self._save(batch_x, index_array, rng)
        labels = self.classes[index_array]
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, labels.astype(self.dtype)
        if self.class_mode == "categorical":
            y = np.zeros((len(batch_x), self.num_classes), dtype=self.dtype)
            y[np.arange(len(batch_x)), labels] = 1.0
            return batch_x, y
        return batch_x
