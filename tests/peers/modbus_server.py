#!/usr/bin/python3
"""A Modbus slave for tests: pymodbus 3.0 over TCP or RTU, with knobs for misbehaving devices.

Every request and answer is logged to stdout, one line each, flushed at once, so a test can tell
what reached the wire and in which order:

    ready tcp port=40123            (or: ready rtu device=/tmp/x/a)
    connection peer=127.0.0.1:5555  (TCP: a client connected)
    request t_ns=<CLOCK_MONOTONIC ns> unit=1 function=3 address=0 count=2 values=
    answer t_ns=<ns> unit=1 function=3 bytes=9
    silent t_ns=<ns> unit=5

Times are CLOCK_MONOTONIC, the clock the C++ side reads with steady_clock. Run with
/usr/bin/python3 (Debian's pymodbus); `--help` lists the options.
"""
import argparse
import asyncio
import signal
import sys
import time

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.exceptions import NoSuchSlaveException
from pymodbus.server.async_io import (ModbusConnectedRequestHandler, ModbusSerialServer,
                                      ModbusSingleRequestHandler, ModbusTcpServer)
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

REGISTER_SPACE = 65536


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def unit_map(pairs, convert=int):
    """'5=200' items into {5: 200}; unit '*' applies to every unit."""
    result = {}
    for pair in pairs or []:
        unit, _, value = pair.partition("=")
        result["*" if unit == "*" else int(unit)] = convert(value)
    return result


def for_unit(mapping, unit, default=None):
    return mapping.get(unit, mapping.get("*", default))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("transport", choices=["tcp", "rtu"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    parser.add_argument("--device", help="RTU: the serial device (one end of a socat pty pair)")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--units", default="1", help="comma-separated unit ids that answer")
    parser.add_argument("--set", action="append", metavar="ADDR=V1,V2",
                        help="initial holding and input registers (default: register n holds n)")
    parser.add_argument("--delay-ms", action="append", metavar="UNIT=MS",
                        help="answer this unit only after MS milliseconds ('*' for all)")
    parser.add_argument("--silent", action="append", type=int, metavar="UNIT",
                        help="this unit receives but never answers")
    parser.add_argument("--exception", action="append", metavar="UNIT=CODE",
                        help="this unit answers every request with exception CODE")
    parser.add_argument("--bad-crc", action="append", type=int, metavar="UNIT",
                        help="RTU: this unit's answers carry a wrong CRC")
    parser.add_argument("--wire-baud", type=int, default=0,
                        help="RTU: hold each answer back for the time request and answer take on "
                             "a real line at this rate; a pty has no speed")
    parser.add_argument("--wire-bits", type=int, default=11,
                        help="bits per byte on that line (default 11: the worst case, 8E1/8N2)")
    parser.add_argument("--identity", default="Hearth,PEER-1,1.0",
                        help="vendor,product code,revision for 43/14 device identification")
    return parser.parse_args()


class Behaviour:
    def __init__(self, args):
        self.delay_ms = unit_map(args.delay_ms, float)
        self.silent = set(args.silent or [])
        self.exception = unit_map(args.exception)
        self.bad_crc = set(args.bad_crc or [])
        self.wire_baud = args.wire_baud
        self.wire_bits = args.wire_bits

    def wire_time_s(self, request_bytes, answer_bytes):
        if not self.wire_baud:
            return 0.0
        return (request_bytes + answer_bytes) * self.wire_bits / self.wire_baud

    def delay_s(self, unit):
        return for_unit(self.delay_ms, unit, 0.0) / 1000.0


def describe_request(request):
    values = getattr(request, "values", None)
    if values is None and hasattr(request, "value"):
        values = [request.value]
    if values is None:
        values = []
    values = [int(v) for v in values]
    address = getattr(request, "address", getattr(request, "object_id", 0))
    count = getattr(request, "count", len(values))
    return (f"unit={request.unit_id} function={request.function_code} address={address} "
            f"count={count} values={','.join(str(v) for v in values)}")


class PeerHandlerMixin:
    """Replaces pymodbus' execute(): logs, then answers, stays silent or misbehaves."""

    behaviour = None  # set in main()

    def execute(self, request, *addr):
        received_ns = time.monotonic_ns()
        log(f"request t_ns={received_ns} {describe_request(request)}")
        unit = request.unit_id
        if unit in self.behaviour.silent:
            log(f"silent t_ns={time.monotonic_ns()} unit={unit}")
            return
        code = for_unit(self.behaviour.exception, unit)
        try:
            if code is not None:
                response = request.doException(code)
            else:
                response = request.execute(self.server.context[unit])
        except NoSuchSlaveException:
            log(f"silent t_ns={time.monotonic_ns()} unit={unit}")
            return
        response.transaction_id = request.transaction_id
        response.unit_id = unit
        packet = bytearray(self.framer.buildPacket(response))
        if unit in self.behaviour.bad_crc:
            packet[-1] ^= 0xFF
        request_bytes = len(request.encode()) + 4  # unit, function code, data, CRC
        delay_s = self.behaviour.delay_s(unit) + self.behaviour.wire_time_s(request_bytes,
                                                                             len(packet))
        if delay_s > 0:
            asyncio.get_running_loop().call_later(delay_s, self.answer, unit, response, packet)
        else:
            self.answer(unit, response, packet)

    def answer(self, unit, response, packet):
        if self.transport is None or self.transport.is_closing():
            return
        log(f"answer t_ns={time.monotonic_ns()} unit={unit} function={response.function_code} "
            f"bytes={len(packet)}")
        self.transport.write(bytes(packet))


class TcpHandler(PeerHandlerMixin, ModbusConnectedRequestHandler):
    def connection_made(self, transport):
        super().connection_made(transport)
        host, port = transport.get_extra_info("peername")[:2]
        log(f"connection peer={host}:{port}")


class RtuHandler(PeerHandlerMixin, ModbusSingleRequestHandler):
    pass


def build_context(args):
    registers = [n % 65536 for n in range(REGISTER_SPACE)]
    for item in args.set or []:
        address, _, values = item.partition("=")
        for offset, value in enumerate(values.split(",")):
            registers[int(address, 0) + offset] = int(value, 0) & 0xFFFF
    slaves = {}
    for unit in (int(u) for u in args.units.split(",") if u):
        slaves[unit] = ModbusSlaveContext(
            di=ModbusSequentialDataBlock(0, [0] * REGISTER_SPACE),
            co=ModbusSequentialDataBlock(0, [0] * REGISTER_SPACE),
            hr=ModbusSequentialDataBlock(0, list(registers)),
            ir=ModbusSequentialDataBlock(0, list(registers)),
            zero_mode=True)
    return ModbusServerContext(slaves=slaves, single=False)


def build_identity(args):
    vendor, product, revision = (args.identity.split(",") + ["", "", ""])[:3]
    identity = ModbusDeviceIdentification()
    identity.VendorName = vendor
    identity.ProductCode = product
    identity.MajorMinorRevision = revision
    return identity


async def serve(args):
    context = build_context(args)
    identity = build_identity(args)
    if args.transport == "tcp":
        server = ModbusTcpServer(context, framer=ModbusSocketFramer, identity=identity,
                                 address=(args.host, args.port), handler=TcpHandler,
                                 allow_reuse_address=True, ignore_missing_slaves=True)
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        port = server.server.sockets[0].getsockname()[1]
        log(f"ready tcp port={port}")
        await task
    else:
        server = ModbusSerialServer(context, framer=ModbusRtuFramer, identity=identity,
                                    port=args.device, baudrate=args.baud, handler=RtuHandler,
                                    ignore_missing_slaves=True)
        await server.start()
        if server.transport is None:
            raise SystemExit(f"cannot open {args.device}")
        log(f"ready rtu device={args.device}")
        await server.serve_forever()


def main():
    args = parse_args()
    PeerHandlerMixin.behaviour = Behaviour(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        asyncio.run(serve(args))
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
