"""Serve N emulated devices over a loopback network until interrupted (for benchmarks).

    python -m tests.emulators --net 127.20.0.0/16 --count 1000 [--spread] [--hostile] [--layout FILE]

Devices are assigned round-robin from the camera profiles (plus hostile ones with ``--hostile``);
``--spread`` spaces them evenly over the whole network instead of packing them at its start. The
layout (address, profile) is printed, or written as TSV to ``--layout``. RLIMIT_NOFILE is
raised as needed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time

from tests.emulators.profiles import CAMERAS, HOSTILE
from tests.emulators.server import Fleet, loopback_addresses, raise_nofile


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.emulators", description=__doc__.splitlines()[0])
    ap.add_argument("--net", default="127.20.0.0/16", help="a network inside 127.0.0.0/8")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--spread", action="store_true", help="space the devices evenly over the whole network")
    ap.add_argument("--hostile", action="store_true", help="include the hostile profiles in the rotation")
    ap.add_argument("--layout", help="write 'address<TAB>profile' lines to this file")
    args = ap.parse_args(argv)
    try:
        addrs = loopback_addresses(args.net, args.count, spread=args.spread)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    profiles = CAMERAS + (HOSTILE if args.hostile else ())
    layout = [(ip, profiles[i % len(profiles)]) for i, ip in enumerate(addrs)]
    limit = raise_nofile(sum(len(d.ports) for _, d in layout) + 8192)

    async def serve() -> None:
        fleet = Fleet()
        t0 = time.monotonic()
        for ip, dev in layout:
            await fleet.add(ip, dev)
        print(
            f"serving {len(layout)} devices on {args.net} ({len(fleet.servers)} listeners, "
            f"RLIMIT_NOFILE {limit}) in {time.monotonic() - t0:.1f}s",
            file=sys.stderr,
        )
        text = "".join(f"{ip}\t{dev.name}\n" for ip, dev in layout)
        if args.layout:
            with open(args.layout, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        sys.stdout.flush()
        try:
            await asyncio.Event().wait()
        finally:
            print(f"{len(fleet.accepts)} connections accepted", file=sys.stderr)
            await fleet.close()

    try:  # uvloop (when installed) serves about twice the connections per second of the default loop
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=factory) as runner:
        runner.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
