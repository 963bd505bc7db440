"""What the run command prints: what matters of its processes' output, and nothing that breaks on exit.

- `NoiseFilter`: Rasa's environment pins old libraries that warn about each other's deprecated
  calls at every start (pkg_resources, distutils, jax, keras, pyparsing ...): dozens of lines
  nobody running the assistant can act on. The filter drops exactly those: Python warnings of a
  deprecation kind raised inside an installed package (site-packages), with the lines that belong
  to them. Everything else passes: log lines, errors, tracebacks, and warnings of any other kind
  or raised by the project's own code.
- `TrainingProgress`: `rasa train` logs dozens of lines per component; the user sees one
  progress line per component, and its warnings and errors. On a failure the caller prints the
  unfiltered end of the output. Rasa says nothing while a component trains (DIET's epochs run
  for many minutes with the progress bars off) or while the training data is featurized (a
  fresh clone embeds every example first, for half an hour): `still()` says what is running.
- `write_line`, `ConsoleHandler`: Ctrl-C also ends whatever reads the console when it is a pipe
  (`scripts/run.sh | tee run.log`); writing to it then raises BrokenPipeError, and every later
  line would print a traceback. Once the console is gone, output goes to /dev/null instead.

Nothing here sees message texts: the processes never log them.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Callable
from typing import NamedTuple

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# How Python's warnings module prints a warning: "<file>:<line>: <Category>: <message>", then
# (when the source is available) the source line, indented. A message may span several lines.
WARNING_HEADER = re.compile(r"^(?P<file>\S[^:]*\.py):\d+: (?P<category>\w+): ")
NOISE_CATEGORY = re.compile(r"(Deprecation|Future|MovedIn20)Warning$")  # also PyparsingDeprecation...
INSTALLED_PACKAGE = re.compile(r"[/\\](site|dist)-packages[/\\]")
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*\s+(?P<level>[A-Z]+)\b")
MAX_WARNING_LINES = 4  # lines after the header that may still belong to a dropped warning
SHOWN_LEVELS = ("WARNING", "ERROR", "CRITICAL")


def _plain(line: str) -> str:
    return ANSI_ESCAPE.sub("", line).rstrip()


class NoiseFilter:
    """Decides line by line (one instance per output stream) whether a line is worth showing."""

    def __init__(self) -> None:
        self._dropping = 0  # lines left that may continue a dropped warning

    def keep(self, line: str) -> bool:
        plain = _plain(line)
        header = WARNING_HEADER.match(plain)
        if header:
            noise = bool(
                INSTALLED_PACKAGE.search(header["file"]) and NOISE_CATEGORY.search(header["category"])
            )
            self._dropping = MAX_WARNING_LINES if noise else 0
            return not noise
        if not self._dropping:
            return True
        if LOG_RECORD.match(plain) or plain.startswith("Traceback"):
            self._dropping = 0  # the warning had no source line: this is the next record
            return True
        self._dropping -= 1
        if plain.startswith((" ", "\t")):
            self._dropping = 0  # the indented source line ends a warning
        return False


class Shown(NamedTuple):
    text: str
    progress: bool = False  # a progress line of our own, not a line of Rasa's


class TrainingProgress:
    """What to show of `rasa train`'s output: a progress line per component, warnings, errors."""

    STARTED = re.compile(r"Starting to train component '(?P<name>\w+)'")
    FINISHED = re.compile(r"Finished training component '(?P<name>\w+)'")
    RESTORED = re.compile(r"Restored component '(?P<name>\w+)' from cache")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._started = clock()
        self._noise = NoiseFilter()
        self._in_traceback = False
        self.components = 0  # components trained so far, or started
        self._training: tuple[str, float] | None = None  # the component in training, since when

    def line(self, line: str) -> Shown | None:
        """What to print for one line of output, or None."""
        plain = _plain(line)
        if not self._noise.keep(line) or not plain:
            return None
        if started := self.STARTED.search(plain):
            self.components += 1
            self._training = (started["name"], self._clock())
            return Shown(f"training {started['name']} (component {self.components}, {self.elapsed()})", True)
        if self.FINISHED.search(plain):
            self._training = None
            return None
        if self.RESTORED.search(plain):
            self.components += 1
            return None
        if plain.startswith("Traceback"):
            self._in_traceback = True
        record = LOG_RECORD.match(plain)
        if self._in_traceback and not record:
            return Shown(plain)
        self._in_traceback = False
        if record:
            return Shown(plain) if record["level"] in SHOWN_LEVELS else None
        return Shown(plain) if WARNING_HEADER.match(plain) else None

    def elapsed(self) -> str:
        seconds = round(self._clock() - self._started)
        return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"

    def still(self) -> Shown:
        """A progress line for a silence: the component in training and for how long, or (between
        components, where Rasa featurizes the data without a line) how long the training runs."""
        if self._training is None:
            return Shown(f"still training ({_minutes(self._clock() - self._started)} in all)", True)
        name, since = self._training
        so_far, in_all = _minutes(self._clock() - since), _minutes(self._clock() - self._started)
        return Shown(f"still training {name} ({so_far} so far, {in_all} in all)", True)


def _minutes(seconds: float) -> str:
    """Whole minutes, for a line that comes every minute or so ("12 min"; "40 s" below one)."""
    return f"{int(seconds) // 60} min" if seconds >= 60 else f"{int(seconds)} s"


def _console_gone() -> None:
    """Send stdout and stderr to /dev/null from now on (their reader has gone)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):
            pass
    os.close(devnull)


def write_line(line: str) -> None:
    """Print one line on the console; silently nothing once the console has gone."""
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _console_gone()


class ConsoleHandler(logging.StreamHandler):
    """A log handler on stdout that goes quiet when stdout has gone, instead of a traceback per record."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if isinstance(sys.exc_info()[1], BrokenPipeError):
            _console_gone()
            return
        super().handleError(record)


def configure_logging(level: str | int) -> None:
    """The run command's logging: records on stdout through `ConsoleHandler`."""
    handler = ConsoleHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
