#!/usr/bin/env python3
"""Checks real HTTP answers against docs/openapi.yaml.

    openapi_check.py OPENAPI.yaml EXCHANGES.jsonl

Each line of EXCHANGES is {"method", "path", "status", "body"} as the e2e client saw it.
For each: the path (query removed) must match a path of the document, the method must be
one of its operations, the status one of that operation's responses, and a JSON body must
validate against the response's schema (JSON Schema 2020-12, as OpenAPI 3.1 has it).
Prints every problem and exits 1 if there is any, else prints the count checked.
"""
import json
import re
import sys

import jsonschema
import yaml


def path_regex(template):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(
        {"$defs": spec["components"]["schemas"]})
    paths = [(path_regex(t), t, ops) for t, ops in spec["paths"].items()]
    problems, checked = [], 0
    for line in open(sys.argv[2]):
        ex = json.loads(line)
        path = ex["path"].split("?")[0]
        where = f'{ex["method"]} {ex["path"]} -> {ex["status"]}'
        match = [(t, ops) for rx, t, ops in paths if rx.match(path)]
        if not match:
            # Unknown paths must be 404 with the error shape.
            if ex["status"] != 404:
                problems.append(f"{where}: path not in the document")
            continue
        template, ops = match[0]
        op = ops.get(ex["method"].lower())
        if op is None:
            if ex["status"] != 405:
                problems.append(f"{where}: method not in the document")
            continue
        response = op["responses"].get(str(ex["status"]))
        if response is None:
            problems.append(f"{where}: status not documented for {template}")
            continue
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].split("/")[-1]]
        content = response.get("content", {})
        if "application/json" not in content:
            checked += 1
            continue
        schema = dict(content["application/json"]["schema"])
        schema["components"] = spec["components"]
        try:
            body = json.loads(ex["body"])
        except ValueError as e:
            problems.append(f"{where}: body is not JSON: {e}")
            continue
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(body))
        for e in errors:
            problems.append(f"{where}: {e.json_path}: {e.message}")
        checked += 1
    for p in problems:
        print(p)
    print(f"{checked} answers checked, {len(problems)} problems")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
