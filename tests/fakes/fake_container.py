#!/usr/bin/env python3
"""fake_container.py - a fake ECS / EKS Pod Identity credentials agent.

Python 3 standard library only; shares its server code with
fake_imds.py. Binds 127.0.0.1 on a free port, writes it to --port-file,
and answers GET --path (default /v1/credentials) with the next entry of
--creds (see fake_imds.py; the token goes out as "Token", as the agents
send it), any other path with 404.

  --auth-file FILE  the Authorization value required (read from a file so
                    that it is on no command line); missing or different:
                    401 {"code": "AccessDenied", ...}
  --mode ok|hang|error   error: 500 with a JSON error body

--record FILE gets one JSON line per request: method, path, "auth" (ok,
missing, wrong, or none when no token is required), Accept. Never the
authorization value, never a reply. Exits after --idle idle seconds.
"""

import argparse
import json
import sys

from fake_imds import BaseHandler, common_args, creds_body, serve


class Handler(BaseHandler):
    server_version = "fake_container/1"

    def do_GET(self):
        st = self.server.state
        args = st.args
        st.touch()
        got = self.headers.get("Authorization")
        if args.auth is None:
            auth = "none"
        elif got is None:
            auth = "missing"
        else:
            auth = "ok" if got == args.auth else "wrong"
        st.record({"method": "GET", "path": self.path, "auth": auth,
                   "accept": self.headers.get("Accept"), "mode": args.mode})
        if args.mode == "hang":
            return self.hang()
        if args.mode == "error":
            return self.reply(500, json.dumps({"code": "InternalError",
                                               "message": "agent failed"}),
                              "application/json")
        if auth in ("missing", "wrong"):
            return self.reply(401, json.dumps({"code": "AccessDenied",
                                               "message": "bad token"}),
                              "application/json")
        if self.path != args.path or not st.creds:
            return self.reply(404, "not found")
        return self.reply(200, creds_body(st.next_creds()), "application/json")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common_args(p)
    p.add_argument("--mode", default="ok", choices=["ok", "hang", "error"])
    p.add_argument("--path", default="/v1/credentials")
    p.add_argument("--auth-file")
    args = p.parse_args()
    args.auth = None
    if args.auth_file:
        with open(args.auth_file, encoding="utf-8") as f:
            args.auth = f.read().strip()
    serve(Handler, args)


if __name__ == "__main__":
    sys.exit(main())
