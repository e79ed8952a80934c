"""Exit codes: the only contract scripts have with the CLI."""

from enum import IntEnum, unique


@unique
class ExitStatus(IntEnum):
    """Documented exit codes (also in the README)."""

    SUCCESS = 0
    DENIED_OR_FINDINGS = 1  # explain: the flow is denied; lint/diff: findings at or above --fail-on
    ERROR = 2  # usage or input error, printed as one line per problem
    INTERNAL = 3  # an unexpected exception: a bug in podwall, one line (traceback with -v); never 0 or 1
    OPENS_BOUNDARY = 4  # diff --fail-on: the change opens traffic from outside the cluster or across namespaces
    INTERRUPTED = 130  # 128 + SIGINT
    BROKEN_PIPE = 141  # 128 + SIGPIPE: stdout's reader left before podwall knew its answer (help text)
