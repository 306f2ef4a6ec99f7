#!/usr/bin/env python3
"""Validate klp-split's JSON output against docs/schema/plan.v2.schema.json and check.v2.schema.json
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
import tempfile

import jsonschema

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(REPO)
schemas = {}
VERSIONS = {"plan": 2, "check": 2}
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
# every signature state: a part signed with the TEST-ONLY key, and one whose trailer lies past the end
with tempfile.TemporaryDirectory() as scratch:
    subprocess.run([binary, "convert", "Fixtures/modules/lp_cdrom.ko", "-b", "Fixtures/world", "-o", f"{scratch}/signed.ko",
                    "--sign-key", "Fixtures/signing/TEST-ONLY-signing-key.pem",
                    "--sign-cert", "Fixtures/signing/TEST-ONLY-signing-cert.pem"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    with open(f"{scratch}/signed.ko", "rb") as f:
        data = bytearray(f.read())
    data[-32:-28] = (0x7fffffff).to_bytes(4, "big")
    with open(f"{scratch}/malformed.ko", "wb") as f:
        f.write(data)
    result = subprocess.run([binary, "check", f"{scratch}/signed.ko", f"{scratch}/malformed.ko",
                             "Fixtures/modules/lp_cdrom.ko", "-b", "Fixtures/world", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    states = [m["signature"]["state"] for m in json.loads(result.stdout)["modules"]]
    if states != ["signed", "malformed", "unsigned"]:
        print(f"check of signed, malformed and unsigned modules: states {states}", file=sys.stderr)
        sys.exit(1)
    documents.append(("check", "check signed, malformed and unsigned modules", result.stdout))

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
