#!/usr/bin/python3
"""A pymodbus 3.0 client for the hearth-sim tests: one read or write, the result as one JSON line.

  sim_client.py (--tcp HOST:PORT | --rtu PATH) --unit N [--timeout S] read ADDRESS COUNT
  sim_client.py (--tcp HOST:PORT | --rtu PATH) --unit N [--timeout S] write ADDRESS VALUE...

Prints {"ok": true, "registers": [...], "elapsed_s": ...} or {"ok": false, "error": "..."}.
Exit status 0 when ok, 1 otherwise.
"""
import argparse
import json
import logging
import sys
import time

from pymodbus.client import ModbusSerialClient, ModbusTcpClient


def make_client(args):
    if args.tcp:
        host, port = args.tcp.rsplit(":", 1)
        client = ModbusTcpClient(host, port=int(port), retries=0)
    else:
        client = ModbusSerialClient(args.rtu, baudrate=9600, retries=0)
    # pymodbus 3.0.0 stores int(timeout): 0.5 s would become 0 (non-blocking reads). Set it as is.
    client.params.timeout = args.timeout
    return client


def main():
    logging.disable(logging.CRITICAL)  # pymodbus logs every failed frame; the JSON says enough
    parser = argparse.ArgumentParser()
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--tcp")
    target.add_argument("--rtu")
    parser.add_argument("--unit", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("op", choices=["read", "write"])
    parser.add_argument("address", type=int)
    parser.add_argument("values", type=int, nargs="+")
    args = parser.parse_args()

    client = make_client(args)
    started = time.monotonic()
    result = {"ok": False}
    try:
        if not client.connect():
            result["error"] = "connect failed"
        else:
            if args.op == "read":
                reply = client.read_holding_registers(args.address, args.values[0], slave=args.unit)
            else:
                reply = client.write_registers(args.address, args.values, slave=args.unit)
            if reply is None or reply.isError():
                result["error"] = str(reply)
            else:
                result["ok"] = True
                if args.op == "read":
                    result["registers"] = list(reply.registers)
    except Exception as error:  # pymodbus raises for broken frames and closed sockets
        result["error"] = "%s: %s" % (type(error).__name__, error)
    finally:
        client.close()
    result["elapsed_s"] = time.monotonic() - started
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
