#!/usr/bin/env python3
"""hearthd talks to its service manager: READY=1 once it runs, WATCHDOG=1 while the core loop is
healthy, often enough for the WatchdogSec= it is given, and STOPPING=1 then exit status 0 on
SIGTERM. The service manager is played by a unix datagram socket named in NOTIFY_SOCKET, the way
systemd hands it over (sd_notify(3)).

usage: sd_notify_test.py HEARTHD [--plugin-path DIR] [--user NAME]
                         [--chroot ROOT --config FILE --state-dir DIR --socket-dir DIR]
With --user (when run as root), hearthd runs as that unprivileged user with no supplementary
groups, as the service does, and the test checks that it holds no capabilities.
With --chroot, hearthd runs inside ROOT (an installed Debian root): HEARTHD, --config,
--state-dir and --socket-dir (where the notification socket goes) are paths inside ROOT, and
--user is looked up in ROOT's /etc/passwd.
Prints the measured start-up time and watchdog period.
"""
import argparse
import os
import pwd
import signal
import socket
import subprocess
import sys
import tempfile
import time

WATCHDOG_USEC = 2_000_000
# Twice the sanitizer-free budget when HEARTH_SANITIZED=1 (ASan slows start-up, not the protocol).
SLOW = 3 if os.environ.get("HEARTH_SANITIZED") == "1" else 1
READY_TIMEOUT_S = 10 * SLOW
WATCHDOG_COUNT = 3
EXIT_TIMEOUT_S = 10 * SLOW

MINIMAL_CONFIG = """\
site:
  name: t
  grid: single-phase
  fuse_a: 35
  pv_installed_wp: 0
  location: { lat: 52.52, lon: 13.40, timezone: Europe/Berlin }
hal: sim
"""


def fail(message, output=""):
    print(f"FAIL: {message}", file=sys.stderr)
    if output:
        print("--- hearthd output ---\n" + output, file=sys.stderr)
    sys.exit(1)


def receive(sock, deadline, process=None):
    """The next notification as a dict of its KEY=VALUE lines, or None at the deadline or when
    `process` (if given) has exited without sending anything more."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        sock.settimeout(min(remaining, 0.2))
        try:
            data = sock.recv(4096)
        except socket.timeout:
            if process is not None and process.poll() is not None:
                return None
            continue
        return dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)


def output_of(process, log_path):
    """Everything hearthd printed (to a file, so a chatty hearthd never blocks on a pipe)."""
    if process.poll() is None:
        process.kill()
        process.wait()
    with open(log_path, errors="replace") as log:
        return log.read()


def credentials_of(pid):
    """(real uid, effective capabilities) of a running process, from /proc/<pid>/status."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return int(fields["Uid"][0]), int(fields["CapEff"][0], 16)


def user_in_root(root, name):
    """The passwd entry of `name` in ROOT/etc/passwd (uid and gid as pw_uid, pw_gid)."""
    with open(os.path.join(root, "etc/passwd")) as passwd:
        for line in passwd:
            fields = line.rstrip("\n").split(":")
            if fields[0] == name:
                return pwd.struct_passwd((fields[0], "x", int(fields[2]), int(fields[3]),
                                          fields[4], fields[5], fields[6]))
    fail(f"no user {name} in {root}/etc/passwd")


def hand_over(paths, user):
    """Gives `user` the temp files hearthd needs: the directory, its config, the socket."""
    for path in paths:
        os.chown(path, user.pw_uid, user.pw_gid)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("hearthd")
    parser.add_argument("--plugin-path", default=None)
    parser.add_argument("--user", default=None)
    parser.add_argument("--chroot", default=None)
    parser.add_argument("--config", default=None)
    parser.add_argument("--state-dir", default=None)
    parser.add_argument("--socket-dir", default=None)
    args = parser.parse_args()
    if args.chroot and not (args.config and args.state_dir and args.socket_dir):
        parser.error("--chroot needs --config, --state-dir and --socket-dir")
    root = args.chroot or ""
    user = None
    if args.user and os.geteuid() == 0:
        user = user_in_root(root, args.user) if root else pwd.getpwnam(args.user)

    with tempfile.TemporaryDirectory(prefix="hearth-notify-") as work:
        if root:
            config, state_dir = args.config, args.state_dir
            notify_path = os.path.join(args.socket_dir, "notify.sock")  # as hearthd sees it
        else:
            config = os.path.join(work, "hearth.yaml")
            with open(config, "w") as f:
                f.write(MINIMAL_CONFIG)
            state_dir = os.path.join(work, "state")
            notify_path = os.path.join(work, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(root + notify_path)

        if user:
            hand_over([root + notify_path] if root else [work, config, notify_path], user)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        env.pop("WATCHDOG_PID", None)
        command = [args.hearthd, "--config", config, "--state-dir", state_dir]
        if args.plugin_path:
            command += ["--plugin-path", args.plugin_path]
        drop = dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[]) if user else {}
        if root:
            # chroot(8) needs root; it drops to the user itself once inside.
            userspec = [f"--userspec={user.pw_uid}:{user.pw_gid}"] if user else []
            command = ["chroot", *userspec, root, *command]
            drop = {}
        started = time.monotonic()
        log_path = os.path.join(work, "hearthd.log")
        log = open(log_path, "wb")
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=root or work, **drop)
        try:
            deadline = started + READY_TIMEOUT_S
            ready_at = None
            while ready_at is None:
                message = receive(sock, deadline, process)
                if message is None:
                    what = (f"exited with status {process.returncode}" if process.poll() is not None
                            else f"sent no READY=1 within {READY_TIMEOUT_S} s")
                    fail(f"hearthd {what}", output_of(process, log_path))
                if message.get("READY") == "1":
                    ready_at = time.monotonic()

            uid, capabilities = credentials_of(process.pid)
            if user and (uid != user.pw_uid or capabilities != 0):
                fail(f"hearthd runs as uid {uid} with capabilities {capabilities:#x}, expected "
                     f"{args.user} ({user.pw_uid}) with none", output_of(process, log_path))
            if uid == 0:
                print("note: hearthd ran as root; pass --user to check it runs without")

            # WATCHDOG=1 keeps coming; systemd asks for one at least every WATCHDOG_USEC / 2.
            limit_s = WATCHDOG_USEC / 2 / 1e6
            feeds = [ready_at]
            while len(feeds) < WATCHDOG_COUNT + 1:
                message = receive(sock, feeds[-1] + limit_s, process)
                if message is None:
                    fail(f"WATCHDOG=1 #{len(feeds)} not within {limit_s} s of the previous "
                         "notification", output_of(process, log_path))
                if message.get("WATCHDOG") == "1":
                    feeds.append(time.monotonic())
            gaps_ms = [(b - a) * 1000 for a, b in zip(feeds[1:], feeds[2:])]

            process.send_signal(signal.SIGTERM)
            stopping = False
            deadline = time.monotonic() + EXIT_TIMEOUT_S
            while not stopping:
                message = receive(sock, deadline)
                if message is None:
                    fail("no STOPPING=1 after SIGTERM", output_of(process, log_path))
                stopping = message.get("STOPPING") == "1"
            try:
                status = process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                fail(f"hearthd still running {EXIT_TIMEOUT_S} s after SIGTERM", output_of(process, log_path))
            if status != 0:
                fail(f"hearthd exited with status {status} after SIGTERM",
                     output_of(process, log_path))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()

    print(f"READY=1 after {(ready_at - started) * 1000:.0f} ms; WATCHDOG=1 every "
          f"{min(gaps_ms):.0f}-{max(gaps_ms):.0f} ms (limit {limit_s * 1000:.0f} ms); "
          f"STOPPING=1 and exit 0 on SIGTERM; ran as uid {uid}")


if __name__ == "__main__":
    main()
