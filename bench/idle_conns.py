#!/usr/bin/env python3
"""Holds N idle TCP connections to 127.0.0.1:PORT, for bench/front_door.sh.

Opens the connections (in batches, non-blocking), sends nothing on them and prints one line
    opened=N failed=F open=M
once they are up and SETTLE seconds have passed (M: those the server has not closed by then).
On SIGUSR1 it prints "open=M" again. On SIGTERM or SIGINT, or after MAX_SECONDS, it closes them
all with a reset (SO_LINGER 0: no TIME_WAIT left behind to eat ephemeral ports) and exits.
Needs a file-descriptor limit above N (bench/front_door.sh raises it).

Usage: idle_conns.py PORT N [--settle SECONDS] [--max-seconds SECONDS]
"""
import argparse
import errno
import selectors
import signal
import socket
import struct
import sys
import time

BATCH = 256                # connections started at once: below any server's accept backlog
CONNECT_TIMEOUT_S = 10.0   # for the whole batch; a dropped SYN is retried by the kernel after 1 s


def open_batch(port, n):
    """Starts n non-blocking connects and waits for them; returns the connected sockets."""
    sel = selectors.DefaultSelector()
    pending = 0
    done = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex(("127.0.0.1", port))
        if rc == 0:
            done.append(s)
        elif rc == errno.EINPROGRESS:
            sel.register(s, selectors.EVENT_WRITE)
            pending += 1
        else:
            s.close()
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            sel.unregister(s)
            pending -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(s)
            else:
                s.close()
    for key in list(sel.get_map().values()):  # still connecting at the deadline
        key.fileobj.close()
    sel.close()
    return done


def still_open(s):
    """False once the server has closed or reset the connection (whatever it sent before)."""
    try:
        while True:
            data = s.recv(65536, socket.MSG_DONTWAIT)
            if not data:
                return False
    except BlockingIOError:
        return True
    except OSError:
        return False


def prune(conns):
    """The connections still open; closes the others."""
    kept = []
    for s in conns:
        if still_open(s):
            kept.append(s)
        else:
            s.close()
    return kept


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--settle", type=float, default=1.0)
    ap.add_argument("--max-seconds", type=float, default=600.0)
    args = ap.parse_args()

    stop = False
    report = False

    def on_term(signum, frame):
        nonlocal stop
        stop = True

    def on_usr1(signum, frame):
        nonlocal report
        report = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGUSR1, on_usr1)

    end = time.monotonic() + args.max_seconds
    conns = []
    while len(conns) < args.count and not stop and time.monotonic() < end:
        batch = open_batch(args.port, min(BATCH, args.count - len(conns)))
        if not batch:
            break  # the server takes no more
        conns.extend(batch)
    opened = len(conns)
    time.sleep(args.settle)
    conns = prune(conns)
    print(f"opened={opened} failed={args.count - opened} open={len(conns)}", flush=True)

    while not stop and time.monotonic() < end:
        if report:
            report = False
            conns = prune(conns)
            print(f"open={len(conns)}", flush=True)
        time.sleep(0.05)

    linger = struct.pack("ii", 1, 0)
    for s in conns:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        except OSError:
            pass
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
