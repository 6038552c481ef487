#!/usr/bin/env python3
"""Writes the bench workloads: one token request, then N GETs each with a bearer token, one
JSONPath capture and two checks (status, one JSON field), in apiflow's format or Hurl's.

    gen.py apiflow BASE N > bench.yaml
    gen.py hurl BASE N > bench.hurl
    gen.py many DIR BASE FILES STEPS   # FILES apiflow files of STEPS such GETs each
"""
import os
import sys


def apiflow(base: str, n: int, name: str = "bench") -> str:
    out = [
        "version: 1",
        f"name: {name}",
        "steps:",
        f'  - request: {{ method: POST, url: "{base}/token", form: {{ grant_type: client_credentials }} }}',
        "    capture: { token: { json: $.access_token, secret: true } }",
    ]
    for i in range(1, n + 1):
        out.append(f'  - request: {{ url: "{base}/items/{i}", auth: {{ bearer: "{{{{ token }}}}" }} }}')
        out.append("    expect: { status: 200, json: { $.state: active } }")
        out.append("    capture: { item_id: $.id }")
    return "\n".join(out) + "\n"


def hurl(base: str, n: int) -> str:
    out = [
        f"POST {base}/token",
        "[FormParams]",
        "grant_type: client_credentials",
        "HTTP 200",
        "[Captures]",
        'token: jsonpath "$.access_token"',
        "",
    ]
    for i in range(1, n + 1):
        out += [
            f"GET {base}/items/{i}",
            "Authorization: Bearer {{token}}",
            "HTTP 200",
            "[Captures]",
            'item_id: jsonpath "$.id"',
            "[Asserts]",
            'jsonpath "$.state" == "active"',
            "",
        ]
    return "\n".join(out)


def main(argv: list[str]) -> None:
    kind = argv[1] if len(argv) > 1 else ""
    if kind == "apiflow":
        sys.stdout.write(apiflow(argv[2], int(argv[3])))
    elif kind == "hurl":
        sys.stdout.write(hurl(argv[2], int(argv[3])))
    elif kind == "many":
        folder, base, files, steps = argv[2], argv[3], int(argv[4]), int(argv[5])
        os.makedirs(folder, exist_ok=True)
        for f in range(1, files + 1):
            with open(os.path.join(folder, f"f{f:04}.yaml"), "w") as fh:
                fh.write(apiflow(base, steps, name=f"file {f}"))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
