"""Architectures of the book's chapter 10 as functions returning pydl models (Keras-equivalent layers and parameter
counts). `register(registry)` makes them available as vision.<name>."""
from .alexnet import alexnet
from .lenet import lenet5
from .resnet import basic_block, bottleneck_block, resnet18, resnet34, resnet50
from .vgg import vgg16, vgg19, vggnet

ARCHITECTURES = {
    "lenet5": (lenet5, "the book's LeNet-5 variant (28x28x1, 1,199,882 params)"),
    "alexnet": (alexnet, "the book's AlexNet (224x224x3, 17 classes, 21,883,153 params)"),
    "vggnet": (vggnet, "the book's VGGNet variant (224x224x3, 17 classes, 33,672,785 params)"),
    "vgg16": (vgg16, "VGG16 like keras.applications (include_top, pooling, input_shape, classes)"),
    "vgg19": (vgg19, "VGG19 like keras.applications (include_top, pooling, input_shape, classes)"),
    "resnet18": (resnet18, "ResNet-18 from basic residual blocks"),
    "resnet34": (resnet34, "ResNet-34 from basic residual blocks"),
    "resnet50": (resnet50, "ResNet-50 from bottleneck blocks, like keras.applications.ResNet50"),
}


def register(registry):
    for name, (fn, help) in ARCHITECTURES.items():
        registry.add_model(name, fn, help=help)


__all__ = ["lenet5", "alexnet", "vggnet", "vgg16", "vgg19", "resnet18", "resnet34", "resnet50", "basic_block",
           "bottleneck_block", "register"]
