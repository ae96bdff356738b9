"""``python -m light_client.mock``: run the Light mock until interrupted.

Without the ``[mock]`` extra it exits with status 2 and the install command on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from ._extra import MockExtraMissingError, load_server


def main(argv: list[str] | None = None) -> int:
    try:
        server = load_server()
    except MockExtraMissingError as error:
        print(f"python -m light_client.mock: {error}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python -m light_client.mock", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--api-key", default=server.DEFAULT_API_KEY)
    parser.add_argument("--rate-limit", type=int, default=300, help="requests per window")
    parser.add_argument("--window", type=float, default=60.0, help="rate-limit window, seconds")
    parser.add_argument("--server-errors", type=float, default=0.0, help="share answered 503")
    parser.add_argument("--dropped", type=float, default=0.0, help="share applied, then dropped")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to answers")
    parser.add_argument("--redirect", type=int, default=None, help="redirect status, e.g. 307")
    parser.add_argument("--customers", type=int, default=None, help="generated customers")
    parser.add_argument("--customer-credits", type=int, default=0, help="generated credits")
    parser.add_argument("--random-seed", type=int, default=0, help="what they are drawn from")
    args = parser.parse_args(argv)
    seed = None  # the default records, unless asked for generated ones
    if args.customers is not None or args.customer_credits:
        seed = server.Seed(args.customers or 0, args.customer_credits, args.random_seed)
    mock = server.LightMock(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        rate_limit=server.RateLimit(args.rate_limit, args.window),
        faults=server.Faults(args.server_errors, args.dropped, args.latency, args.redirect),
        seed=seed,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with mock:
        print(f"LIGHT_BASE_URL={mock.base_url}")
        print(f"LIGHT_API_KEY={mock.api_key}")
        for name in ("customer_id", "customer_credit_id"):
            with contextlib.suppress(LookupError):  # seeded with none
                print(f"{name.upper()}={getattr(mock, name)}")
        print(f"LIGHT_OAUTH_CLIENT_ID={mock.oauth_client_id}")
        print(f"LIGHT_OAUTH_CLIENT_SECRET={mock.oauth_client_secret}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
