"""What the Python gRPC backends of the integration suite share."""

import signal
import threading

import grpc


def status_code(number, default=grpc.StatusCode.UNKNOWN):
    """The grpc.StatusCode with this number, or `default`."""
    return next((code for code in grpc.StatusCode if code.value[0] == number), default)


def serve_until_signal(stop, interval=1.0):
    """Blocks until SIGTERM or SIGINT, then calls `stop`."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    while not done.wait(interval):
        pass
    stop()
