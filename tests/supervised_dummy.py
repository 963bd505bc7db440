"""A supervisor over two dummy components, for tests/test_supervisor.py.

`steady` forks a grandchild that sleeps (like Sanic's workers); `flaky` exits
with code 3 after a moment, every time.
"""

import asyncio
import os
import sys

from assistant.supervisor import Component, Supervisor

STEADY = "import os, time\nif os.fork() == 0:\n    time.sleep(600)\ntime.sleep(600)"
FLAKY = "import sys, time\ntime.sleep(0.5)\nsys.exit(3)"

if __name__ == "__main__":
    env = dict(os.environ)
    components = [
        Component("steady", [sys.executable, "-c", STEADY], env, where="nowhere"),
        Component("flaky", [sys.executable, "-c", FLAKY], env, where="nowhere"),
    ]
    sys.exit(asyncio.run(Supervisor(components, cwd=".").run()))
