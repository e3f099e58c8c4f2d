#!/usr/bin/python3
"""One line of site status from `hearth-sim ctl status` (JSON on stdin), for `make demo`.

  demo_status.py [--feed-in-limit-w W] [--hearthd-log FILE]

With a feed-in limit the line shows the export against it ("held" within the limit plus 1 % of
the inverters' rating, the tolerance of issue 6's tests, "OVER" beyond); with hearthd's log it
adds the energy manager's latest state line.
"""
import argparse
import json
import re
import sys

# The energy manager's log lines ("energy: ..." / "energy ... state ...").
ENERGY_LINE = re.compile(r"\benergy\b[^:]*:\s*(.*)$")


def kw(watts):
    return f"{watts / 1000:5.2f} kW"


def export_vs_limit(house, limit_w):
    export_w = max(0.0, -house["grid_w"])
    rating_w = sum(i["rated_w"] for i in house["inverters"])
    held = export_w <= limit_w + 0.01 * rating_w
    return f"export {kw(export_w)} / limit {kw(limit_w).strip()} {'held' if held else 'OVER'}"


def last_energy_state(log_path):
    try:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            lines = log.readlines()
    except OSError:
        return None
    for line in reversed(lines):
        match = ENERGY_LINE.search(line)
        if match and "status:" not in line:
            return match.group(1).strip()
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--feed-in-limit-w", type=float)
    parser.add_argument("--hearthd-log")
    args = parser.parse_args()
    house = json.load(sys.stdin)
    batteries = [i["battery"] for i in house["inverters"] if i.get("battery")]
    soc = sum(b["soc_pct"] for b in batteries) / len(batteries) if batteries else None
    grid = house["grid_w"]
    line = (f"{house['time_utc'][11:19]} UTC  PV {kw(house['pv_w'])}  load {kw(house['load_w'])}  "
            f"battery {kw(house['battery_w'])}")
    if soc is not None:
        line += f" (SOC {soc:4.1f} %)"
    if args.feed_in_limit_w is not None:
        line += "  " + export_vs_limit(house, args.feed_in_limit_w)
        if grid > 0:
            line += f", importing {kw(grid).strip()}"
    else:
        line += f"  grid {kw(abs(grid))} {'importing' if grid > 0 else 'exporting'}"
    limits = [i["limit_w"] for i in house["inverters"]]
    line += f"  inverter caps {', '.join(kw(l).strip() for l in limits)}"
    print(line)
    if args.hearthd_log:
        state = last_energy_state(args.hearthd_log)
        print(f"  energy manager: {state if state else '(no state logged yet)'}")


if __name__ == "__main__":
    main()
