"""`make audit`'s dependency half: pip-audit over the installed environment (.venv, built
from requirements-dev.txt), with an answer that cannot be mistaken.

pip-audit says "No known vulnerabilities found" even when it could look nothing up (every
package "not found on PyPI": a mirror without the vulnerability service, or no network).
This script counts what was really audited:

- a known vulnerability: exit 1, listing package, version, id and the fixed versions;
- nothing could be audited: exit 2 with "NOT AUDITED", unless --offline-ok is given, when
  it says so loudly and exits 0 (how CI treats that is in docs/decisions.md);
- otherwise exit 0 with the number of packages audited.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline-ok", action="store_true")
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv"])
    args = parser.parse_args()
    command = [str(PIP_AUDIT), "--progress-spinner", "off", "--skip-editable", "-f", "json"]
    run = subprocess.run(  # noqa: S603 - our own venv's pip-audit, fixed arguments
        [*command, "--vulnerability-service", args.service],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        report = None
    if report is None:
        reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return not_audited(args, f"pip-audit could not run: {reason}")
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        return 1
    if not audited:
        return not_audited(
            args,
            f"none of the {len(deps)} installed packages could be looked up in the "
            f"{args.service} vulnerability service (no network, or a mirror without it)",
        )
    skipped = len(deps) - len(audited)
    print(
        f"pip-audit: {len(audited)} packages audited, no known vulnerabilities; {skipped} skipped"
    )
    return 0


def not_audited(args, why: str) -> int:
    print(f"NOT AUDITED: {why}.", file=sys.stderr)
    if args.offline_ok:
        print("Continuing because of --offline-ok: dependencies were NOT checked.", file=sys.stderr)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
