#!/usr/bin/env python3
"""Holds N connections to a server open, each either idle (connected, never
sending) or slow (a request's headers trickled one line every few seconds,
never finished). When the server closes one (its header timeout), another
takes its place, so N stay held. Prints how many are held once a second.
Used by scripts/flood.sh; stops on SIGTERM.

    flood.py HOST PORT N idle|slow
"""
import asyncio
import signal
import sys

host, port, wanted, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
held = 0
refused = 0


async def one():
    global held, refused
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        held += 1
        try:
            if mode == "slow":
                writer.write(b"GET /health HTTP/1.1\r\nhost: flood\r\n")
                await writer.drain()
            while True:
                if mode == "slow":
                    writer.write(b"x-slow: 1\r\n")
                    await writer.drain()
                # A refusal (503) or a close ends the read; a slow request
                # never gets a reply otherwise.
                # Idle: wait for the server's close. Slow: wake every 3 s to
                # send the next header line.
                try:
                    data = await asyncio.wait_for(
                        reader.read(4096), timeout=3 if mode == "slow" else None
                    )
                except asyncio.TimeoutError:
                    continue
                if data.startswith(b"HTTP/1.1 503"):
                    refused += 1
                if not data or data.startswith(b"HTTP/"):
                    break
        except OSError:
            pass
        finally:
            held -= 1
            writer.close()
        await asyncio.sleep(0.1)


async def main():
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    tasks = []
    for i in range(wanted):
        tasks.append(asyncio.create_task(one()))
        if i % 200 == 199:
            await asyncio.sleep(0.05)
    while not stop.is_set():
        print(f"held {held} refused {refused}", flush=True)
        try:
            await asyncio.wait_for(stop.wait(), timeout=1)
        except asyncio.TimeoutError:
            pass
    for t in tasks:
        t.cancel()


asyncio.run(main())
