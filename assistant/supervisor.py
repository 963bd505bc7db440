"""Start the assistant's processes together, watch them, stop them together.

Each component runs in its own process group (Rasa and the action server have
worker processes of their own), so stopping a component stops all of its
processes. A component that exits unexpectedly is reported and restarted with
backoff; one that keeps dying stops the whole assistant with an error, and one that exits with
EXIT_CONFIGURATION (it cannot work with this configuration) stops it at once: a restart would
fail the same way.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import re
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from assistant.console import NoiseFilter, write_line
from assistant.redaction import Redactor
from assistant.settings import EXIT_CONFIGURATION

log = logging.getLogger("assistant")

STOP_GRACE_SECONDS = 10.0
# After this long without a ready answer the operator is told; waiting goes on, since a model load on
# a busy two-core machine can take longer (the component is restarted only when it exits).
READY_WARNING_SECONDS = 180.0
PROGRESS_SECONDS = 30.0  # a line this often while a slow component (e.g. Rasa's model load) starts
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 600.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor dies without cleaning up (Linux only)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class Component:
    name: str
    argv: list[str]
    env: dict[str, str]
    where: str  # what the start-up log says it listens on
    ready_url: str | None = None  # polled until it answers 200
    # Or: ready when a line of its output matches; the match's named groups go to `details`.
    ready_line: re.Pattern[str] | None = None
    starting: str | None = None  # what it does while starting, said at start and while waiting
    after: tuple[str, ...] = ()  # components that must be ready first
    process: asyncio.subprocess.Process | None = None
    restarts: list[float] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    details: dict[str, str] = field(default_factory=dict)


class Supervisor:
    def __init__(
        self,
        components: list[Component],
        cwd: str,
        on_ready: Callable[[], None] | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.components = {c.name: c for c in components}
        self.cwd = cwd
        self.on_ready = on_ready
        # Secrets are replaced in the components' output too (a library may print the token).
        self.redactor = redactor or Redactor([])
        self._stopping = asyncio.Event()
        self._exit_code = 0

    async def run(self) -> int:
        """Run until SIGINT/SIGTERM or until a component keeps failing; returns the exit code."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._request_stop, signum)
        started = time.monotonic()
        watchers = [asyncio.create_task(self._keep_running(c)) for c in self.components.values()]
        ready = asyncio.create_task(self._wait_all_ready(started))
        await self._stopping.wait()
        ready.cancel()
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, ready, return_exceptions=True)
        await self._stop_all()
        return self._exit_code

    def _request_stop(self, signum: int) -> None:
        if not self._stopping.is_set():
            log.info("%s received: stopping all components", signal.Signals(signum).name)
            self._stopping.set()

    async def _wait_all_ready(self, started: float) -> None:
        await asyncio.gather(*(c.ready.wait() for c in self.components.values()))
        log.info("all components ready after %.1f s", time.monotonic() - started)
        if self.on_ready:
            self.on_ready()

    async def _start(self, component: Component) -> None:
        for name in component.after:
            await self.components[name].ready.wait()
        component.process = await asyncio.create_subprocess_exec(
            *component.argv,
            cwd=self.cwd,
            env=component.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            limit=2**20,
        )
        doing = f", {component.starting}" if component.starting else ""
        log.info(
            "%s started (pid %d)%s, will listen on %s",
            component.name,
            component.process.pid,
            doing,
            component.where,
        )

    async def _keep_running(self, component: Component) -> None:
        while True:
            await self._start(component)
            process = component.process
            assert process is not None
            output = asyncio.create_task(self._forward_output(component, process))
            readiness = asyncio.create_task(self._wait_ready(component))
            code = await _exited(process)
            readiness.cancel()
            # Workers the component left behind would hold its port and its output pipe.
            _signal_group(process.pid, signal.SIGKILL)
            await asyncio.gather(output, readiness, return_exceptions=True)
            component.ready.clear()
            if self._stopping.is_set():
                return
            if code == EXIT_CONFIGURATION:
                log.error(
                    "%s stopped on a configuration error (its reason is above): not restarted; "
                    "correct the configuration and start the assistant again",
                    component.name,
                )
                self._exit_code = EXIT_CONFIGURATION
                self._stopping.set()
                return
            log.error("%s exited unexpectedly with code %s", component.name, code)
            now = time.monotonic()
            component.restarts = [t for t in component.restarts if now - t < RESTART_WINDOW_SECONDS]
            if len(component.restarts) >= MAX_RESTARTS:
                log.error(
                    "%s failed %d times in %.0f minutes: stopping the assistant",
                    component.name,
                    MAX_RESTARTS + 1,
                    RESTART_WINDOW_SECONDS / 60,
                )
                self._exit_code = 1
                self._stopping.set()
                return
            component.restarts.append(now)
            delay = 2 ** (len(component.restarts) - 1)
            log.warning("restarting %s in %d s", component.name, delay)
            await asyncio.sleep(delay)

    async def _wait_ready(self, component: Component) -> None:
        if component.ready_line is not None:
            return  # _forward_output sees the line
        if component.ready_url is None:
            await asyncio.sleep(1.0)  # no health endpoint: alive after a second is good enough
            component.ready.set()
            return
        started = time.monotonic()
        warned = False
        said = started
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                waited = time.monotonic() - started
                if not warned and waited > READY_WARNING_SECONDS:
                    log.warning(
                        "%s is not ready after %.0f s: still waiting", component.name, READY_WARNING_SECONDS
                    )
                    warned = True
                elif component.starting and time.monotonic() - said >= PROGRESS_SECONDS:
                    log.info("%s: still %s (%.0f s so far)", component.name, component.starting, waited)
                    said = time.monotonic()
                try:
                    if (await client.get(component.ready_url)).status_code == 200:
                        log.info(
                            "%s ready on %s (%.1f s)",
                            component.name,
                            component.where,
                            time.monotonic() - started,
                        )
                        component.ready.set()
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)

    async def _forward_output(self, component: Component, process: asyncio.subprocess.Process) -> None:
        """Pass the component's output on, prefixed with its name, without third-party noise or
        secrets; a component with a `ready_line` is ready when it prints it."""
        assert process.stdout is not None
        noise = NoiseFilter()
        name = component.name
        started = time.monotonic()
        while True:
            try:
                raw = await process.stdout.readline()
            except ValueError:  # a line longer than the buffer: pass it on in pieces
                raw = await process.stdout.read(2**16)
            if not raw:
                return
            line = self.redactor.redact(raw.decode(errors="replace").rstrip())
            if line and noise.keep(line):
                write_line(f"[{name}] {line}")
            if component.ready_line and not component.ready.is_set():
                if match := component.ready_line.search(line):
                    component.details = {k: v for k, v in match.groupdict().items() if v is not None}
                    log.info("%s ready (%.1f s)", name, time.monotonic() - started)
                    component.ready.set()

    async def _stop_all(self) -> None:
        """Stop dependants first (the adapter, while Rasa can still answer), then the rest."""
        dependants = [c for c in self.components.values() if c.after]
        others = [c for c in self.components.values() if not c.after]
        for wave in (dependants, others):
            await self._stop_wave(wave)
        for component in self.components.values():
            if component.process is not None:
                # Also reap worker processes left in the group after the leader exited.
                _signal_group(component.process.pid, signal.SIGKILL)
                await _exited(component.process)
        log.info("all components stopped")

    @staticmethod
    async def _stop_wave(components: list[Component]) -> None:
        running = [(c, p) for c in components if (p := c.process) is not None and p.returncode is None]
        for _, process in running:
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for component, process in running:
            try:
                await asyncio.wait_for(_exited(process), max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                log.warning("%s did not stop within %.0f s: killing it", component.name, STOP_GRACE_SECONDS)


async def _exited(process: asyncio.subprocess.Process) -> int:
    """Wait for the process itself to exit. (Process.wait() on Python 3.11 also waits until
    every process sharing its output pipe, such as orphaned workers, has exited.)"""
    while process.returncode is None:  # noqa: ASYNC110 - returncode is set by the child watcher
        await asyncio.sleep(0.1)
    return process.returncode


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass
