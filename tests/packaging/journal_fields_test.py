#!/usr/bin/env python3
"""Per-plugin journald fields, against a real systemd-journald.

The test runs systemd-journald in a private mount namespace (a tmpfs over /run, a journald.conf
that reads no kernel log and forwards nowhere) and starts hearthd the way systemd does: stdout and
stderr connected to the journal's stdout stream, JOURNAL_STREAM naming that socket. A device of
the example Modbus meter polls a port where nobody answers, so its plugin logs a warning; the
test then asks journalctl for HEARTH_DEVICE=meter-1 and checks the entry carries
HEARTH_PLUGIN=example-modbus-meter, the warning priority and came through the native protocol.
Then hearthd runs with stderr on a file (JOURNAL_STREAM naming something else): its lines are
plain text there and none reaches the journal.

usage: journal_fields_test.py HEARTHD PLUGIN_DIR
Exit status 77 (skipped) when not root or the namespace, journald or journalctl is unavailable.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
SLOW = 3 if os.environ.get("HEARTH_SANITIZED") == "1" else 1
TIMEOUT_S = 10 * SLOW
JOURNALD = "/lib/systemd/systemd-journald"
JOURNAL_DIR = "/run/log/journal"
NAMESPACE_MARK = "HEARTH_JOURNAL_TEST_IN_NAMESPACE"
JOURNALD_CONF = """\
[Journal]
Storage=volatile
ReadKMsg=no
Audit=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitIntervalSec=0
"""
CONFIG = """\
site:
  name: t
  grid: single-phase
  fuse_a: 35
  pv_installed_wp: 0
  location: {{ lat: 52.52, lon: 13.40, timezone: Europe/Berlin }}
hal: sim
links:
  nobody: {{ type: tcp, host: 127.0.0.1, port: {port}, timeout: 100ms }}
devices:
  - id: meter-1
    driver: example-modbus-meter
    link: nobody
    unit: 1
    params: {{ poll_interval: 100ms, offline_after: 1 }}
"""
WARNING = "no valid answer from unit 1"


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def wait_for(condition, what, timeout_s=TIMEOUT_S):
    """Polls `condition` until it returns something true; fails after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    fail(f"timed out after {timeout_s} s waiting for {what}")


def journal_entries(*matches):
    """The journal's entries matching journalctl's FIELD=value arguments, as dicts."""
    output = subprocess.run(["journalctl", "--directory", JOURNAL_DIR, "--output", "json",
                             "--no-pager", *matches], capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def start_journald(work):
    mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], capture_output=True)
    if mounted.returncode != 0:
        skip(f"cannot mount a private /run: {mounted.stderr.decode().strip()}")
    os.makedirs("/run/systemd/journal")
    os.makedirs(JOURNAL_DIR)
    conf = os.path.join(work, "journald.conf")
    with open(conf, "w") as f:
        f.write(JOURNALD_CONF)
    if os.path.exists("/etc/systemd/journald.conf"):
        subprocess.run(["mount", "--bind", conf, "/etc/systemd/journald.conf"], check=True)
    journald = subprocess.Popen([JOURNALD], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: all(os.path.exists(f"/run/systemd/journal/{name}")
                         for name in ("socket", "stdout")) or journald.poll() is not None,
             "journald's sockets")
    if journald.poll() is not None:
        skip(f"systemd-journald exited with status {journald.returncode}")
    return journald


def journal_stream(identifier):
    """A stream socket to journald, as systemd connects a service's stdout and stderr
    (the header is journald's stdout protocol: identifier, unit, priority, level prefix and
    three forwarding flags)."""
    stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stream.connect("/run/systemd/journal/stdout")
    stream.sendall(f"{identifier}\n\n6\n0\n0\n0\n0\n".encode())
    stream.shutdown(socket.SHUT_RD)
    return stream


def start_hearthd(args, work, stderr, journal_stream_value):
    env = {k: v for k, v in os.environ.items()
           if k not in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "HEARTH_PLUGIN_PATH")}
    if journal_stream_value:
        env["JOURNAL_STREAM"] = journal_stream_value
    state = tempfile.mkdtemp(dir=work)
    return subprocess.Popen([args[0], "--config", os.path.join(work, "hearth.yaml"),
                             "--state-dir", state, "--plugin-path", args[1]],
                            env=env, stdout=stderr, stderr=stderr, cwd=work)


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        fail("hearthd did not stop on SIGTERM")


def plugin_line_reaches_journal_with_fields(args, work):
    stream = journal_stream("hearthd")
    info = os.fstat(stream.fileno())
    hearthd = start_hearthd(args, work, stream.fileno(), f"{info.st_dev}:{info.st_ino}")
    try:
        entries = wait_for(lambda: journal_entries("HEARTH_DEVICE=meter-1", f"_PID={hearthd.pid}"),
                           "an entry with HEARTH_DEVICE=meter-1")
    finally:
        stop(hearthd)
        stream.close()
    warning = next((e for e in entries if WARNING in e.get("MESSAGE", "")), None)
    if warning is None:
        fail(f"no entry says '{WARNING}': {entries}")
    expected = {"HEARTH_DEVICE": "meter-1", "HEARTH_PLUGIN": "example-modbus-meter",
                "PRIORITY": "4", "SYSLOG_IDENTIFIER": "hearthd", "_TRANSPORT": "journal"}
    wrong = {k: warning.get(k) for k, v in expected.items() if warning.get(k) != v}
    if wrong:
        fail(f"fields differ from {expected}: {wrong}")
    print(f"journal: {warning['MESSAGE']!r} with HEARTH_DEVICE={warning['HEARTH_DEVICE']} "
          f"HEARTH_PLUGIN={warning['HEARTH_PLUGIN']} PRIORITY={warning['PRIORITY']}")

    everything = journal_entries(f"_PID={hearthd.pid}")
    core = [e for e in everything if "loaded from" in e.get("MESSAGE", "")]
    if not core or any("HEARTH_DEVICE" in e or "HEARTH_PLUGIN" in e for e in core):
        fail(f"the core's own lines should be in the journal without device fields: {core}")
    as_text = [e for e in everything if e.get("_TRANSPORT") == "stdout"]
    if as_text:
        fail(f"hearthd also wrote text to its journal stream: {as_text[:3]}")


def plain_stderr_elsewhere(args, work):
    log_path = os.path.join(work, "hearthd.log")

    def log_text():
        with open(log_path, errors="replace") as log:
            return log.read()

    with open(log_path, "wb") as log:
        # JOURNAL_STREAM inherited from somewhere else: stderr is not that stream.
        hearthd = start_hearthd(args, work, log.fileno(), "1:2")
        try:
            wait_for(lambda: f"[meter-1] {WARNING}" in log_text(), "the warning on stderr")
        finally:
            stop(hearthd)
    if journal_entries(f"_PID={hearthd.pid}"):
        fail("hearthd wrote to the journal although its stderr is a file")
    if "HEARTH_DEVICE" in log_text():
        fail("journal fields in the plain-text log")


def in_namespace(args):
    with tempfile.TemporaryDirectory(prefix="hearth-journal-") as work:
        nobody = socket.socket()  # bound, never listening: connections are refused at once
        nobody.bind(("127.0.0.1", 0))
        with open(os.path.join(work, "hearth.yaml"), "w") as f:
            f.write(CONFIG.format(port=nobody.getsockname()[1]))
        journald = start_journald(work)
        try:
            plugin_line_reaches_journal_with_fields(args, work)
            plain_stderr_elsewhere(args, work)
        finally:
            journald.terminate()
            journald.wait()
    print("journal fields: OK")


def main():
    args = sys.argv[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    if os.environ.get(NAMESPACE_MARK) == "1":
        return in_namespace(args)
    if os.geteuid() != 0:
        skip("needs root for a private mount namespace")
    if not os.path.exists(JOURNALD) or shutil.which("journalctl") is None:
        skip("systemd-journald or journalctl is not installed")
    env = dict(os.environ, **{NAMESPACE_MARK: "1"})
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                           capture_output=True)
    if probe.returncode != 0:
        skip(f"cannot make a mount namespace: {probe.stderr.decode().strip()}")
    sys.exit(subprocess.run(["unshare", "--mount", "--propagation", "private", sys.executable,
                             os.path.abspath(__file__), *args], env=env).returncode)


if __name__ == "__main__":
    main()
