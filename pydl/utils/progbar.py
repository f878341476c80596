"""Progress bars for fit/evaluate/predict: tqdm (terminal and notebook, throttled) when installed, otherwise a
plain Keras-style bar. PYDL_PROGRESS=plain forces the plain bar. Output that is not a terminal (a log file, a pipe,
CI) gets no live updates: one line when the bar completes (one per epoch in fit), never `\r` redraws."""
import os
import sys
import time


def _fmt_value(v):
    return f"{v:.4f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.4e}"


def format_logs(values):
    return " - ".join(f"{k}: {_fmt_value(v)}" for k, v in values)


def _live(file):
    """Whether redrawing in place makes sense: a terminal, or a notebook (whose streams say they are not ttys)."""
    try:
        if file.isatty():
            return True
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False
    return "ipykernel" in sys.modules and file in (sys.stdout, sys.stderr)


def _tqdm():
    if os.environ.get("PYDL_PROGRESS", "").lower() == "plain":
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class Progbar:
    """update(current, values) with values a list of (name, value) already averaged by the caller."""

    def __init__(self, target, width=30, interval=0.05, unit_name="sample", file=None, desc=None):
        self.target, self.width, self.interval, self.unit = target, width, interval, unit_name
        self.file = file or sys.stdout
        self.start = time.time()
        self._last = 0.0
        self._tqdm = None
        self._live = _live(self.file)
        tq = _tqdm() if self._live else None
        if tq is not None:
            self._tqdm = tq(total=target, unit=unit_name, desc=desc, file=self.file, mininterval=interval,
                            leave=True, dynamic_ncols=True, ascii=False)
        self._current = 0

    def update(self, current, values=(), finalize=False):
        if self._tqdm is not None:
            self._tqdm.update(current - self._current)
            if values:
                self._tqdm.set_postfix_str(format_logs(values), refresh=False)  # tqdm throttles the redraw
            self._current = current
            if finalize:
                self._tqdm.close()
            return
        self._current = current
        now = time.time()
        if not finalize and (not self._live or now - self._last < self.interval):
            return
        self._last = now
        elapsed = now - self.start
        if self.target:
            done = int(self.width * current / self.target)
            bar = "=" * max(done - 1, 0) + (">" if done < self.width else "=") + "." * (self.width - done)
            digits = len(str(self.target))
            head = f"{current:>{digits}}/{self.target} [{bar[:self.width]}]"
        else:
            head = f"{current}"
        if finalize:
            per = elapsed / max(current, 1)
            tail = f" - {elapsed:.0f}s {per * 1e6:.0f}us/{self.unit}"
        else:
            eta = elapsed / max(current, 1) * (self.target - current) if self.target else 0
            tail = f" - ETA: {eta:.0f}s"
        text = head + tail + (" - " + format_logs(values) if values else "")
        self.file.write(("\r" if self._live else "") + text + ("\n" if finalize else ""))
        self.file.flush()
