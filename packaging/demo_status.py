#!/usr/bin/python3
"""One line of site status from `hearth-sim ctl status` (JSON on stdin), for `make demo`."""
import json
import sys


def kw(watts):
    return f"{watts / 1000:5.1f} kW"


def main():
    house = json.load(sys.stdin)
    batteries = [i["battery"] for i in house["inverters"] if i.get("battery")]
    soc = sum(b["soc_pct"] for b in batteries) / len(batteries) if batteries else None
    grid = house["grid_w"]
    flow = "importing" if grid > 0 else "exporting"
    limits = [i["limit_w"] for i in house["inverters"]]
    line = (f"{house['time_utc'][11:19]} UTC  PV {kw(house['pv_w'])}  load {kw(house['load_w'])}  "
            f"battery {kw(house['battery_w'])}")
    if soc is not None:
        line += f" (SOC {soc:4.1f} %)"
    line += f"  grid {kw(abs(grid))} {flow}  inverter limits {', '.join(kw(l).strip() for l in limits)}"
    print(line)


if __name__ == "__main__":
    main()
