"""Keras-compatible layers. Each layer stores its config in __init__, creates weights in build(input_shape), and
computes with pydl ops in call(inputs, training=None)."""
from .advanced_activations import ELU, LeakyReLU, ReLU, Softmax
from .base import InputSpec, Layer
from .convolutional import Conv1D, Conv2D, Conv2DTranspose, UpSampling2D, ZeroPadding2D
from .embeddings import Embedding
from .masking import Masking
from .core import Activation, Dense, Dropout, Flatten, Lambda, Reshape, SpatialDropout1D
from .input_layer import Input, InputLayer
from .merge import (Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average, concatenate,
                    maximum, minimum, multiply, subtract)
from .node import KerasTensor
from .normalization import BatchNormalization
from .recurrent import GRU, LSTM, SimpleRNN
from .wrappers import Bidirectional, TimeDistributed
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D, GlobalAveragePooling1D,
                      GlobalAveragePooling2D, GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)

# Keras 2 spelling
Convolution1D, Convolution2D, Deconvolution2D = Conv1D, Conv2D, Conv2DTranspose

__all__ = ["Layer", "InputSpec", "KerasTensor", "Input", "InputLayer", "Dense", "Activation", "Dropout",
           "SpatialDropout1D", "Flatten", "Reshape", "Lambda", "BatchNormalization", "LeakyReLU", "ReLU", "ELU",
           "Softmax", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "add", "subtract",
           "multiply", "average", "maximum", "minimum", "concatenate", "Conv1D", "Conv2D",
           "Conv2DTranspose", "Convolution1D", "Convolution2D", "Deconvolution2D", "UpSampling2D", "ZeroPadding2D",
           "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalMaxPooling1D",
           "GlobalAveragePooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling2D", "MaxPool1D", "MaxPool2D",
           "AvgPool1D", "AvgPool2D", "GlobalMaxPool1D", "GlobalAvgPool2D"]
__all__ += ["Embedding", "Masking"]
__all__ += ["SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"]  # recurrent.py, wrappers.py
