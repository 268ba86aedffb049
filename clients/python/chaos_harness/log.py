"""Read an arrival log that `chaos serve --log` wrote."""

import json

# The key of a log's header line (record.HeaderKey in Go): the first line of a
# log `chaos serve --log --log-header` writes is {"chaos_log": 1, "epoch_unix_ms": ...,
# "server": ..., "server_run": ...}, the wall-clock time of t_ms 0, so that
# logs of several servers can be put on one clock. It is not a Record.
HEADER_KEY = "chaos_log"


def read_log(path):
    """Return (header, records) of an arrival log in JSON lines.

    header is the log's header line as a dict, or None for a log without one
    (from a harness run, or an older chaos); records is a list of dicts, one
    a Record, in the order the server logged them. Compressed logs (.zst) are
    not read here: use `analyze`, or `chaos analyze`, for those.
    """
    header, records = None, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            obj = json.loads(line)
            if n == 0 and HEADER_KEY in obj:
                header = obj
                continue
            records.append(obj)
    return header, records
