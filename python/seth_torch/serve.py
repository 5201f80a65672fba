"""`python -m seth_torch --serve`: one evaluation per request line, torch imported once.

The workbench's torch engine (src/engine/torch.ts) keeps this process for its lifetime, so the
seconds PyTorch takes to import are paid once, not per evaluation. Protocol, one JSON object a line:

    request   {"argv": [...]}                     the arguments of `python -m seth_torch` (one process)
    replies   {"progress": [done, total]}         after each layer (heads done of L·H), then
              {"code": 0} | {"code": 1|2, "error": "one line"[, "nonFinite": true]}

stdin at end of file ends the server.
"""

import json
import sys

from .errors import ComputeError, UserError, one_line


def serve(stdin=sys.stdin, stdout=sys.stdout) -> int:
    def emit(obj):
        stdout.write(json.dumps(obj) + "\n")
        stdout.flush()

    from .cli import run

    for line in stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            argv = req["argv"]
            if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                raise UserError("serve: request argv must be a list of strings")
        except (ValueError, KeyError, TypeError) as e:
            emit({"code": 2, "error": f"serve: bad request ({one_line(str(e))})"})
            continue
        try:
            run([*argv, "--quiet"], progress=lambda done, total: emit({"progress": [done, total]}))
        except UserError as e:
            emit({"code": e.exit_code, "error": one_line(str(e))})
        except ComputeError as e:  # the workbench maps this to its NonFiniteError (exit 1)
            emit({"code": e.exit_code, "error": one_line(str(e)), "nonFinite": True})
        except RuntimeError as e:
            emit({"code": 1, "error": f"PyTorch failed: {one_line(str(e))}"})
        except SystemExit as e:  # argparse on a bad argument
            emit({"code": 2, "error": f"bad arguments {argv!r} (exit {e.code})"})
        else:
            emit({"code": 0})
    return 0
