"""A third-party Modbus RTU server for interop tests: Debian's pymodbus 3.0.0rc1.

Run with Debian's /usr/bin/python3 (python3-pymodbus), not a pyenv python:
    /usr/bin/python3 pymodbus-rtu-server.py PORT BAUD PARITY(N|E|O) UNIT [UNIT...]

Each unit serves, 0-based (zero_mode):
    holding 0..9  = unit * 100 + i   (writable)
    input   0..4  = unit * 1000 + i
    coils   0..7  = alternating True/False, starting with True
Prints "ready" on stdout once the port is open; runs until killed.

In 3.0.0rc1 StartAsyncSerialServer's framer defaults to ASCII, so the RTU
framer is passed explicitly, and defer_start returns the server unstarted so
that "ready" is printed only once the port is open.
"""
import asyncio
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server import StartAsyncSerialServer


def unit_context(unit):
    return ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, [unit * 100 + i for i in range(10)]),
        ir=ModbusSequentialDataBlock(0, [unit * 1000 + i for i in range(5)]),
        co=ModbusSequentialDataBlock(0, [i % 2 == 0 for i in range(8)]),
        di=ModbusSequentialDataBlock(0, [False] * 8),
        zero_mode=True,
    )


async def main(port, baud, parity, units):
    context = ModbusServerContext(slaves={unit: unit_context(unit) for unit in units}, single=False)
    server = await StartAsyncSerialServer(
        context=context, framer=ModbusRtuFramer, port=port, baudrate=baud,
        parity=parity, bytesize=8, stopbits=1, timeout=0.1, defer_start=True,
        ignore_missing_slaves=True,
    )
    await server.start()
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], [int(u) for u in sys.argv[4:]]))
