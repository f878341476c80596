"""Progress output that is not a terminal (a log file, a pipe, CI) gets one line per epoch, never `\\r` redraws."""
import io

import numpy as np

from pydl.layers import Dense
from pydl.models import Sequential
from pydl.utils.progbar import Progbar


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_bar_in_a_file_writes_one_line_when_done():
    buf = io.StringIO()
    bar = Progbar(100, file=buf, interval=0)
    for i in range(1, 101):
        bar.update(i, [("loss", 1.0 / i)])
    assert buf.getvalue() == ""
    bar.update(100, [("loss", 0.01)], finalize=True)
    out = buf.getvalue()
    assert "\r" not in out and out.count("\n") == 1 and out.startswith("100/100 [=====") and "loss: 0.0100" in out


def test_bar_in_a_terminal_redraws(monkeypatch):
    monkeypatch.setenv("PYDL_PROGRESS", "plain")
    buf = Tty()
    bar = Progbar(10, file=buf, interval=0)
    for i in range(1, 11):
        bar.update(i)
    bar.update(10, finalize=True)
    assert buf.getvalue().count("\r") == 11 and buf.getvalue().count("\n") == 1


def test_fit_to_a_pipe_prints_two_lines_per_epoch(capsys):
    x, y = np.zeros((64, 2), "float32"), np.zeros((64, 1), "float32")
    m = Sequential([Dense(1, input_dim=2)])
    m.compile("sgd", "mse")
    m.fit(x, y, epochs=3, batch_size=4, verbose=1)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "\r" not in out and len(lines) == 6
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"] and all(ln.startswith("64/64 [") for ln in lines[1::2])
