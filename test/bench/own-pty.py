"""Opens a pty pair, sets its slave end raw, and execs the given command with the pty master as
fd 3 (for reading) and fd 5 (a dup, for writing: two libuv handles must not share one fd), and
the slave end held open as fd 4, so reads on the master do not fail with EIO before a client
opens the slave end. The command finds the slave end's path via /proc/self/fd/4.
Usage: own-pty.py CMD [ARGS...]"""
import os
import sys
import tty

master, slave = os.openpty()
tty.setraw(slave)
fds = {3: os.dup(master), 4: os.dup(slave), 5: os.dup(master)}
os.close(master)
os.close(slave)
for target, fd in fds.items():
    os.dup2(fd, target, inheritable=True)
    if fd not in fds:
        os.close(fd)
os.execvp(sys.argv[1], sys.argv[1:])
