"""Callbacks for fit(): Keras 2's hooks and classes.

>>> stop = pydl.callbacks.EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True)
"""
from .base import BaseLogger, Callback, CallbackList, History, LambdaCallback, ProgbarLogger, TerminateOnNaN
from .checkpoint import ModelCheckpoint
from .loggers import CSVLogger, TensorBoard
from .monitors import EarlyStopping, LearningRateScheduler, ReduceLROnPlateau

__all__ = ["Callback", "CallbackList", "BaseLogger", "History", "ProgbarLogger", "LambdaCallback", "TerminateOnNaN",
           "ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau", "LearningRateScheduler", "CSVLogger",
           "TensorBoard"]
