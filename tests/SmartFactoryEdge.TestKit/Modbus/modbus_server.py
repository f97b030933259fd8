#!/usr/bin/python3
"""Simulated Modbus device for SmartFactoryEdge tests (Debian python3-pymodbus 3.0.0).

Our own script (it started from the shared peers recipe and grew a seeded typed area and serial RTU):
    /usr/bin/python3 modbus_server.py --port 0                  # Modbus TCP, every unit id answered
    /usr/bin/python3 modbus_server.py --port 0 --units 1,2      # only units 1 and 2; others get no reply at all
    /usr/bin/python3 modbus_server.py --port 0 --framer rtu     # RTU frames over TCP (serial device server)
    /usr/bin/python3 modbus_server.py --serial /tmp/x/b --baud 19200 --units 1   # RTU on a serial device (socat pty)

Binds to 127.0.0.1 only. Prints "READY 127.0.0.1:<port>" (TCP) or "READY <device>" (serial) once serving.
Stops on SIGTERM / SIGINT.

Register map (protocol addresses, zero-based):
  Holding registers (FC3/6/16/23), 1300
     0      heartbeat, +1 every 100 ms        1  temperature*10 (int16)
     2-3    pressure float32 ABCD            4-5 part count uint32 ABCD     6 state 0/1/2
    10-19   constants 1000..1009
   100-199  writable scratch (0)
  1000-1111 typed area: type t, order o at 1000 + 16*t + 4*o
            t: 0 int16 -12345, 1 uint16 54321, 2 int32 -123456789, 3 uint32 3456789012,
               4 int64 -1234567890123456789, 5 float32 -273.15, 6 float64 6.02214076e23
            o: 0 ABCD, 1 CDAB, 2 BADC, 3 DCBA
  1200-1206 "SFE-MODBUS-01" two chars per register, high byte first (ABCD), NUL padded
  1210-1216 the same string with the bytes of each register swapped (BADC)
  1220      0xA005 (bits 0, 2, 13, 15 set)
  Input registers (FC4), 1300: 0-9 mirror HR 0-9, 1000-1220 the same typed area as HR.
  Coils (FC1/5/15), 2200: 0 toggles every second, 1 running, 10-19 1,0,1,0..., 32-63 writable,
        100-2099 pattern (address % 3 == 0).
  Discrete inputs (FC2), 2200: 0 toggles, 1 alarm, 100-2099 pattern (address % 5 == 0).
  Device identification (FC43/14): VendorName SmartFactoryEdge, ProductCode SFE-SIM, MajorMinorRevision 1.0,
        ProductName Simulated line, ModelName modbus_server.py.
"""
import argparse
import asyncio
import logging
import math
import random
import signal
import struct

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

HOST = "127.0.0.1"

TYPED = [(">h", -12345), (">H", 54321), (">i", -123456789), (">I", 3456789012),
         (">q", -1234567890123456789), (">f", -273.15), (">d", 6.02214076e23)]
TEXT = b"SFE-MODBUS-01"


def ordered(big_endian, order):
    """Arranges big-endian bytes in one of the four orders and returns the registers."""
    words = [big_endian[i:i + 2] for i in range(0, len(big_endian), 2)]
    if order in (1, 3):          # CDAB, DCBA: last word first
        words.reverse()
    if order in (2, 3):          # BADC, DCBA: low byte first inside each word
        words = [w[::-1] for w in words]
    return [struct.unpack(">H", w)[0] for w in words]


def typed_area():
    regs = {}
    for t, (fmt, value) in enumerate(TYPED):
        raw = struct.pack(fmt, value)
        for o in range(4):
            for i, r in enumerate(ordered(raw, o)):
                regs[1000 + 16 * t + 4 * o + i] = r
    padded = TEXT + b"\0" * (14 - len(TEXT))
    for i in range(7):
        regs[1200 + i] = (padded[2 * i] << 8) | padded[2 * i + 1]
        regs[1210 + i] = (padded[2 * i + 1] << 8) | padded[2 * i]
    regs[1220] = 0xA005
    return regs


def make_slave():
    hr = [0] * 1300
    hr[10:20] = range(1000, 1010)
    ir = [0] * 1300
    for a, v in typed_area().items():
        hr[a] = v
        ir[a] = v
    co = [False] * 2200
    co[10:20] = [i % 2 == 0 for i in range(10)]
    di = [False] * 2200
    for a in range(100, 2100):
        co[a] = a % 3 == 0
        di[a] = a % 5 == 0
    return ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, hr),
        ir=ModbusSequentialDataBlock(0, ir),
        co=ModbusSequentialDataBlock(0, co),
        di=ModbusSequentialDataBlock(0, di),
        zero_mode=True,
    )


async def simulate(slaves):
    tick = 0
    parts = 0
    while True:
        t = tick / 10.0
        temp = 50 + 30 * math.sin(2 * math.pi * t / 20) + random.uniform(-0.5, 0.5)
        pressure = 5 + math.sin(t / 3) + random.uniform(-0.05, 0.05)
        if tick % 10 == 0 and tick:
            parts += 1
        state = (tick // 100) % 3
        p_hi, p_lo = struct.unpack(">HH", struct.pack(">f", pressure))
        block = [tick & 0xFFFF, int(round(temp * 10)) & 0xFFFF, p_hi, p_lo,
                 (parts >> 16) & 0xFFFF, parts & 0xFFFF, state, 0, 0, 0]
        toggle = (tick // 10) % 2 == 1
        for s in slaves:
            s.setValues(3, 0, block)
            s.setValues(4, 0, block)
            s.setValues(1, 0, [toggle, state == 1])
            s.setValues(2, 0, [toggle, state == 2])
        tick += 1
        await asyncio.sleep(0.1)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--serial", default="", help="serial device for RTU (e.g. a socat pty)")
    ap.add_argument("--baud", type=int, default=19200)
    ap.add_argument("--framer", choices=["socket", "rtu"], default="socket", help="TCP only: MBAP or RTU frames")
    ap.add_argument("--units", default="", help="comma list of unit ids to serve; empty = all ids")
    ap.add_argument("--debug", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL)

    if args.units:
        slaves = {int(x): make_slave() for x in args.units.split(",")}
        context = ModbusServerContext(slaves=slaves, single=False)
        slave_list = list(slaves.values())
    else:
        one = make_slave()
        context = ModbusServerContext(slaves=one, single=True)
        slave_list = [one]

    identity = ModbusDeviceIdentification(info_name={
        "VendorName": "SmartFactoryEdge", "ProductCode": "SFE-SIM", "MajorMinorRevision": "1.0",
        "ProductName": "Simulated line", "ModelName": "modbus_server.py"})
    if args.serial:
        server = ModbusSerialServer(context, framer=ModbusRtuFramer, port=args.serial, baudrate=args.baud,
                                    ignore_missing_slaves=True, identity=identity)
        await server.start()
        serve = asyncio.create_task(server.serve_forever())
        print(f"READY {args.serial}", flush=True)
    else:
        framer = ModbusRtuFramer if args.framer == "rtu" else ModbusSocketFramer
        server = ModbusTcpServer(context, framer=framer, identity=identity, address=(HOST, args.port),
                                 allow_reuse_address=True, ignore_missing_slaves=True)
        serve = asyncio.create_task(server.serve_forever())
        await server.serving
        port = server.server.sockets[0].getsockname()[1]
        print(f"READY {HOST}:{port}", flush=True)

    sim = asyncio.create_task(simulate(slave_list))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    sim.cancel()
    if args.serial:
        await server.shutdown()
    else:
        await server.server_close()
    serve.cancel()
    print("STOPPED", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
