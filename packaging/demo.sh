#!/usr/bin/env bash
# `make demo`: starts hearth-sim (the simulated house) and hearthd on configs/demo.yaml, prints a
# one-line site status every few seconds, and stops both cleanly on Ctrl-C.
set -euo pipefail
build=${1:-build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
state=$(mktemp -d /tmp/hearth-demo.XXXXXX)
pids=()

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "demo: stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$state"
}
trap cleanup INT TERM EXIT

sim="$build/bin/hearth-sim"
if [ -x "$sim" ] && [ -f configs/sim/demo.yaml ]; then
  "$sim" --scenario configs/sim/demo.yaml > "$state/sim.log" 2>&1 &
  pids+=($!)
  # hearth-sim prints a "ready" line once its endpoints listen.
  for _ in $(seq 1 100); do grep -q ready "$state/sim.log" && break; sleep 0.1; done
  grep -q ready "$state/sim.log" || { echo "demo: hearth-sim did not start:"; cat "$state/sim.log"; exit 1; }
  echo "demo: hearth-sim running: inverters on Modbus TCP 127.0.0.1:15020/15021 and RTU" \
       "/tmp/hearth-sim/rs485-1, meter on /tmp/hearth-sim/rs485-meter"
else
  echo "demo: hearth-sim is not built yet; starting hearthd alone"
fi

# The feed-in limit the status line holds hearthd to (configs/demo.yaml, energy.feed_in_limit_w).
feed_in_limit_w=$(sed -n 's/^[[:space:]]*feed_in_limit_w:[[:space:]]*\([0-9.]*\).*/\1/p' configs/demo.yaml | head -1)

"$build/bin/hearthd" --check configs/demo.yaml
"$build/bin/hearthd" --config configs/demo.yaml --state-dir "$state" > "$state/hearthd.log" 2>&1 &
pids+=($!)
echo "demo: hearthd running (log: $state/hearthd.log); Ctrl-C stops both"
echo "demo: site status every 5 s${feed_in_limit_w:+ (feed-in limit $feed_in_limit_w W: export must stay within it)}:"

while true; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "demo: a process exited:"; tail -20 "$state"/*.log; exit 1; }
  done
  if [ -x "$sim" ] && [ -f configs/sim/demo.yaml ]; then
    "$sim" ctl --socket /tmp/hearth-sim/control.sock status 2>/dev/null |
      /usr/bin/python3 packaging/demo_status.py ${feed_in_limit_w:+--feed-in-limit-w "$feed_in_limit_w"} \
        --hearthd-log "$state/hearthd.log" || echo "(sim status unavailable)"
    grep "status:" "$state/hearthd.log" | tail -1 | sed 's/^.*status:/  hearthd:/' || true
  else
    tail -1 "$state/hearthd.log"
  fi
  sleep 5
done
