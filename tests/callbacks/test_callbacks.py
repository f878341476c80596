"""Callbacks: hook order, History, ModelCheckpoint, EarlyStopping (restoring the best weights), CSVLogger,
LearningRateScheduler, ReduceLROnPlateau, LambdaCallback, TerminateOnNaN, TensorBoard event files."""
import csv
import glob
import os

import numpy as np
import pytest

import pydl
from pydl import callbacks as C
from pydl.layers import Dense
from pydl.models import Sequential, load_model
from pydl.optimizers import SGD


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1).astype("float32")
    return x, y


def model(lr=0.05):
    pydl.utils.set_random_seed(0)
    m = Sequential([Dense(1, input_dim=3)])
    m.compile(SGD(lr=lr), "mse", metrics=["mae"])
    return m


def test_hooks_fire_in_order(problem):
    x, y = problem
    events = []

    class Recorder(C.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                return lambda *a: events.append((name, a[0] if a and isinstance(a[0], int) else None))
            return object.__getattribute__(self, name)
    m = model()
    m.fit(x, y, epochs=2, batch_size=32, verbose=0, validation_data=(x, y), callbacks=[Recorder()])
    names = [e for e, _ in events]
    assert names[0] == "on_train_begin" and names[-1] == "on_train_end"
    epoch0 = names[1:names.index("on_epoch_end") + 1]
    assert epoch0 == ["on_epoch_begin", "on_train_batch_begin", "on_train_batch_end", "on_train_batch_begin",
                      "on_train_batch_end", "on_epoch_end"]
    assert [a for e, a in events if e == "on_epoch_end"] == [0, 1]


def test_history_and_logs(problem):
    x, y = problem
    seen = []
    m = model()
    h = m.fit(x, y, epochs=3, verbose=0, validation_split=0.25,
              callbacks=[C.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(dict(logs)))])
    assert h.params["epochs"] == 3 and h.model is m and m.history is h
    assert set(h.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert seen[-1]["val_loss"] == h.history["val_loss"][-1]


def test_model_checkpoint_templates_and_best_only(problem, tmp_path):
    x, y = problem
    m = model()
    pattern = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.hdf5")
    m.fit(x, y, epochs=3, verbose=0, validation_data=(x, y), callbacks=[C.ModelCheckpoint(pattern,
                                                                                           save_weights_only=True)])
    files = sorted(os.path.basename(f) for f in glob.glob(str(tmp_path / "weights.*.hdf5")))
    assert len(files) == 3 and files[0].startswith("weights.01-")
    best = str(tmp_path / "best.pydl")
    ck = C.ModelCheckpoint(best, monitor="val_loss", save_best_only=True)
    m2 = model(lr=0.05)
    m2.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), callbacks=[ck])
    loaded = load_model(best)
    assert loaded.evaluate(x, y, verbose=0)[0] == pytest.approx(ck.best, rel=1e-5)
    # a restarted run with worse weights does not overwrite the better checkpoint
    m3 = model(lr=0.0)
    ck2 = C.ModelCheckpoint(best, monitor="val_loss", save_best_only=True)
    m3.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[ck2])
    assert ck2.best == pytest.approx(ck.best)
    assert load_model(best).evaluate(x, y, verbose=0)[0] == pytest.approx(ck.best, rel=1e-5)
    with pytest.warns(RuntimeWarning, match="Can save best model only with val_acc available"):
        model().fit(x, y, epochs=1, verbose=0, callbacks=[C.ModelCheckpoint(str(tmp_path / "a.pydl"),
                                                                            monitor="val_acc", save_best_only=True)])


def test_early_stopping_restores_best_weights(problem):
    x, y = problem
    m = model(lr=0.05)
    weights, losses = [], []

    class Track(C.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 3:  # make later epochs worse: a jump in the weights
                self.model.set_weights([w + 5.0 for w in self.model.get_weights()])

        def on_epoch_end(self, epoch, logs=None):
            weights.append(self.model.get_weights())
            losses.append(logs["val_loss"])
    stop = C.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = m.fit(x, y, epochs=20, verbose=0, validation_data=(x, y), callbacks=[Track(), stop])
    assert len(h.epoch) < 20 and stop.stopped_epoch == h.epoch[-1]
    best = int(np.argmin(losses))
    for a, b in zip(m.get_weights(), weights[best]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_restores_even_without_stopping(problem):
    x, y = problem
    m = model(lr=0.05)
    stop = C.EarlyStopping(monitor="loss", patience=50, restore_best_weights=True)
    m.fit(x, y, epochs=2, verbose=0, callbacks=[stop])
    assert stop.stopped_epoch == 0 and stop.best_weights is not None
    for a, b in zip(m.get_weights(), stop.best_weights):
        np.testing.assert_array_equal(a, b)


def test_csv_logger(problem, tmp_path):
    x, y = problem
    path = tmp_path / "log.csv"
    model().fit(x, y, epochs=3, verbose=0, validation_data=(x, y), callbacks=[C.CSVLogger(str(path))])
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "mae", "val_loss", "val_mae"}
    model().fit(x, y, epochs=1, verbose=0, callbacks=[C.CSVLogger(str(path), append=True)])
    assert len(list(csv.reader(open(path)))) == 5


def test_learning_rate_scheduler_and_plateau(problem):
    x, y = problem
    m = model()
    h = m.fit(x, y, epochs=3, verbose=0, callbacks=[C.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))])
    np.testing.assert_allclose(h.history["lr"], [0.1, 0.05, 0.1 / 3])
    plateau = C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.0)
    sgd_zero = model(lr=1e-12)  # the loss never improves
    h2 = sgd_zero.fit(x, y, epochs=4, verbose=0, callbacks=[plateau])
    assert h2.history["lr"][0] == pytest.approx(1e-12) and sgd_zero.optimizer.learning_rate < 1e-12


def test_terminate_on_nan(problem):
    x, y = problem
    m = model(lr=1e30)
    h = m.fit(x * 1e10, y, epochs=5, verbose=0, callbacks=[C.TerminateOnNaN()])
    assert len(h.epoch) <= 1
    with pytest.raises(FloatingPointError):
        model(lr=1e30).fit(x * 1e10, y, epochs=5, verbose=0, callbacks=[C.TerminateOnNaN(raise_error=True)])


def test_tensorboard_event_files_readable(problem, tmp_path):
    pytest.importorskip("tensorboardX")
    x, y = problem
    model().fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
                callbacks=[C.TensorBoard(log_dir=str(tmp_path / "logs"), histogram_freq=1)])
    files = glob.glob(str(tmp_path / "logs" / "events.out.tfevents.*"))
    assert files
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        EventAccumulator = None
    if EventAccumulator is not None:
        acc = EventAccumulator(str(tmp_path / "logs"))
        acc.Reload()
        tags = acc.Tags()
        assert {"loss", "val_loss", "mae", "val_mae"} <= set(tags["scalars"])
        assert [e.step for e in acc.Scalars("loss")] == [0, 1, 2]
        assert any("kernel" in t for t in tags["histograms"])
    else:  # read the TFRecord framing and the protobufs tensorboardX ships
        from tensorboardX.proto import event_pb2
        import struct
        data = open(files[0], "rb").read()
        tags, pos = set(), 0
        while pos < len(data):
            (n,) = struct.unpack("<Q", data[pos:pos + 8])
            ev = event_pb2.Event.FromString(data[pos + 12:pos + 12 + n])
            tags.update(v.tag for v in ev.summary.value)
            pos += 12 + n + 4
        assert {"loss", "val_loss"} <= tags
