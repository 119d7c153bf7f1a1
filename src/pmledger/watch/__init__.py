"""A watcher that knows which requirement files changed, so that a command
on a large ledger need not ``stat`` every file (``pmledger watch``).

As git's fsmonitor daemon: one background process per requirements
folder, started on request, holds the folder's listing with each file's
size and change time, kept current by the operating system's change
notifications (Linux's inotify). A command asks it over a Unix socket
instead of calling ``stat`` 100k times; before answering, the watcher
creates a "cookie" file and waits for its own notification, so every
change made before the question is in the answer: never stale. Without
a watcher (or when it cannot answer) every command stats the files
itself, as before.

- :mod:`pmledger.watch.client`: the question a command asks (the hot path).
- :mod:`pmledger.watch.control`: start, stop and status.
- :mod:`pmledger.watch.daemon`: the watcher's process (its socket, its answers).
- :mod:`pmledger.watch.watched`: what it knows of the folder, and why it is never stale.
- :mod:`pmledger.watch.inotify`: the system calls.
"""
