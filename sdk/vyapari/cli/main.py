"""Entry point of the ``vyapari`` console script.

Each sub-command lives in its own module under :mod:`vyapari.cli` exposing
``register(subparsers)``; only the command being run is imported (none for ``vyapari --help``
or ``--version``), and a command module imports pandas, numpy and the engines inside its ``run``,
so ``<command> --help`` stays fast too. Deliberate errors (bad arguments, bad data) print one
line ``vyapari <command>: error: <what is wrong>`` and exit with status 2, never a traceback;
anything else prints its traceback with credentials masked (:mod:`vyapari.cli.crash`).
A reader that closes the pipe early (``vyapari calendar --json | head``) ends the command
quietly with status 141 (128 + SIGPIPE, as a shell reports it). Shell completion comes from
``argcomplete`` when it is installed (``pip install 'vyapari[completion]'``, then
``eval "$(register-python-argcomplete vyapari)"``); it is never imported otherwise.

A command may ask to end the process as soon as it is done (``set_defaults(quick_exit=True)``;
``ingest`` does): run as the program (``main()`` without ``argv``) with no other Python thread left,
the atexit handlers run, the standard streams are flushed and the process ends without tearing down
every loaded module (pyarrow's, numpy's: about 0.1 s after an ingest, time the user waits for
nothing). Called with ``argv`` (tests, scripts), ``main`` always returns.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from vyapari import __version__
from vyapari.cli import crash
from vyapari.core.errors import VyapariError

# command name -> (module under vyapari.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "costs": ("costs", "Brokerage and statutory charges of a trade (STT, exchange, SEBI, stamp, GST, DP)"),
    "charges": ("charges", "Reconcile the broker's end-of-day charges with the cost model, per order"),
    "calendar": ("calendar", "NSE/BSE trading sessions between two dates, with open and close times in IST"),
    "sample": ("sample", "Write seeded synthetic sample data (bhavcopies, F&O, minute bars, instruments)"),
    "ingest": ("ingest", "Ingest exchange files (bhavcopies, corporate actions) into the data lake"),
    "history": ("history", "Fetch a broker's historical bars (Kite, Upstox) into the lake; coverage report"),
    "download": ("download", "Download NSE/BSE archive files (bhavcopies) over a date range of sessions"),
    "bars": ("bars", "Print daily or intraday bars of a symbol from the data lake (IST, bar start)"),
    "backtest": ("backtest", "Backtest a strategy on minute or daily bars, with Indian charges"),
    "sweep": ("sweep", "Run a parameter grid over the lake on a local process pool and rank the results"),
    "evaluate": ("evaluate", "Weekly target verdict (green/amber/red) of an equity curve or a backtest run"),
    "local": ("local", "Run a workflow's ASL file locally (moto Step Functions, handlers in-process)"),
    "login": ("login", "Daily broker login (Zerodha request token, Upstox code); session stored 0600"),
    "ready": ("ready", "Pre-open readiness check (session, egress IP, feed, ingestion, instruments, risk)"),
    "instruments": ("instruments", "Publish a broker's instrument dump as a checked snapshot; look one up"),
    "demo": ("demo", "Run the demo pipeline end to end on generated sample data"),
    "warmup": ("warmup", "Compile the backtest kernels ahead of time once (make setup runs it)"),
    "api": ("api", "Serve the REST API locally for a browser (Swagger UI at /swagger)"),
    "live": ("live", "Trade live or on paper, replay a recorded day; kill switch"),
    "new": ("new", "Write a working strategy skeleton and its test (vyapari new strategy NAME)"),
    "config": ("config", "Show the effective settings and where each came from (flag, env, .env, default)"),
}

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left


class OneLineErrorParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are a single line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser(selected: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The top-level parser; only ``selected``'s module is imported (every one with ``every``,
    which shell completion needs; none for ``vyapari --help``)."""
    parser = OneLineErrorParser(
        prog="vyapari",
        description="vyapari: algorithmic trading for Indian equity markets (NSE, BSE). "
        "Research, backtest, paper and live trading with the same strategy code, with Indian "
        "charges modelled to the paisa.",
        epilog="Run 'vyapari <command> --help' for a command's options. All times are IST.",
    )
    parser.add_argument("--version", action="version", version=f"vyapari {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>", parser_class=OneLineErrorParser)
    for name, (module_name, help_text) in COMMANDS.items():
        if every or selected == name:
            module = importlib.import_module(f"vyapari.cli.{module_name}")
            module.register(sub, name, help_text)
        else:
            sub.add_parser(name, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status (uncaught tracebacks are printed redacted)."""
    crash.install()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if "_ARGCOMPLETE" in os.environ:  # a shell asking for completions (argcomplete sets this)
        _complete()
    selected = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(selected if selected in COMMANDS else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help, --version or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at interpreter exit
        if argv is None and getattr(args, "quick_exit", False):
            _quick_exit(status)
        return status
    except BrokenPipeError:
        return _pipe_closed()
    except (VyapariError, ValueError) as exc:
        print(crash.redacted(f"vyapari {args.command}: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"vyapari {args.command}: interrupted", file=sys.stderr)
        return 130


def _quick_exit(status: int) -> None:
    """End the process with ``status`` now (see the module doc); returns when another Python thread
    is still running (the interpreter's normal exit then waits for it)."""
    import atexit
    import threading

    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()  # what a normal exit runs before the modules' teardown
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _pipe_closed() -> int:
    """The reader of stdout went away: stop quietly (no traceback, no flush error at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # Python's final flush of stdout now has somewhere to go
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def _complete() -> None:
    """Answer a shell's completion request with ``argcomplete`` (exits); nothing if absent."""
    try:
        import argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(build_parser(every=True))


if __name__ == "__main__":
    sys.exit(main())
