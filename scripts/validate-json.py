#!/usr/bin/env python3
"""Validate klp-split's JSON output against docs/schema/plan.v2.schema.json and check.v1.schema.json
(JSON Schema 2020-12).

usage: KLP_SPLIT=path/to/klp-split scripts/validate-json.py
Validates the committed goldens, `plan --format json` of every fixture in Fixtures/modules and
`check --format json` of every module in Fixtures/check (one run), all against Fixtures/world.
Needs python3-jsonschema (scripts/install-deps.sh). scripts/docs.sh runs it.
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(REPO)
schemas = {}
VERSIONS = {"plan": 2, "check": 1}
for kind in ("plan", "check"):
    with open(f"docs/schema/{kind}.v{VERSIONS[kind]}.schema.json") as f:
        schemas[kind] = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schemas[kind])

documents = []  # (kind, name, text)
for golden, kind in (("lp_multi.json", "plan"), ("check-set.json", "check")):
    with open(f"Tests/KlpSplitCommandsTests/Golden/{golden}") as f:
        documents.append((kind, golden, f.read()))
binary = os.environ["KLP_SPLIT"]
for module in sorted(glob.glob("Fixtures/modules/*.ko")):
    result = subprocess.run([binary, "plan", module, "-b", "Fixtures/world", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if result.returncode in (0, 2):
        documents.append(("plan", f"plan {os.path.basename(module)}", result.stdout))
# an accepted coupling finding carries its reason
result = subprocess.run([binary, "plan", "Fixtures/modules/lp_shadow.ko", "-b", "Fixtures/world", "--format", "json",
                         "--accept-coupling", "coupling-shadow-id:0x6c70=the count is advisory"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
documents.append(("plan", "plan lp_shadow.ko --accept-coupling", result.stdout))
result = subprocess.run([binary, "check", *sorted(glob.glob("Fixtures/check/*.ko")), "-b", "Fixtures/world",
                         "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
documents.append(("check", "check Fixtures/check/*.ko", result.stdout))

failures = 0
for kind, name, text in documents:
    try:
        jsonschema.validate(json.loads(text), schemas[kind], cls=jsonschema.Draft202012Validator)
    except (ValueError, jsonschema.ValidationError) as error:
        failures += 1
        print(f"{name}: does not match docs/schema/{kind}.v{VERSIONS[kind]}.schema.json: {str(error).splitlines()[0]}", file=sys.stderr)
plans = sum(1 for d in documents if d[0] == "plan")
print(f"json: {plans} plan and {len(documents) - plans} check documents validated, {failures} invalid")
sys.exit(1 if failures else 0)
