"""Plays systemd's part in socket activation: binds and listens at PATH (replacing whatever file
is there, as systemd does), then runs COMMAND as this very process with the socket as fd 3,
LISTEN_FDS=1 and LISTEN_PID set, as sd_listen_fds(3) describes. With SOCKET_ACTIVATE_KEEP=1 it
keeps the socket and runs COMMAND as a child instead, as systemd does."""
import os, socket, sys

path, command = sys.argv[1], sys.argv[2:]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
os.chmod(path, 0o600)
listener.listen(128)
if listener.fileno() != 3:
    os.dup2(listener.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
if len(command) == 0:
    sys.exit(0)
if os.environ.pop("SOCKET_ACTIVATE_KEEP", "") == "1":
    # As systemd itself: this process, which called listen() (so SO_PEERCRED names it, not the
    # daemon), keeps the socket and runs COMMAND as its child, reaped as soon as it ends.
    child = os.fork()
    if child == 0:
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.execvp(command[0], command)
    _, status = os.waitpid(child, 0)
    sys.exit(os.waitstatus_to_exitcode(status) % 256)
os.execvp(command[0], command)
