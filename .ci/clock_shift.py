"""CI only: move this Python process's wall clock by CI_CLOCK_SHIFT_SECONDS seconds.

`.ci/run` installs this module with a `.pth` start-up hook in the virtualenv, so the test runner
and every child process it starts (the bot, the standalone simulator) see the same shift, and
the signed requests between them still agree. time-machine patches Python's wall clocks
(time.time, datetime.now, ...); monotonic clocks and time.sleep stay real. Inert when unset.
"""

import os

_shift = os.environ.get("CI_CLOCK_SHIFT_SECONDS")
if _shift:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_shift), tick=True).start()
    time.time()  # time-machine's clock starts ticking at its first reading: anchor it now
