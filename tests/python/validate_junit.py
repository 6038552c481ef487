"""Validates a JUnit XML file with real tools: the Jenkins junit-10.xsd schema (as published
in pytest's source distribution on PyPI, which pytest itself validates against) checked by
xmlschema, then parsed by junitparser. Prints a JSON summary of what junitparser read.

usage: validate_junit.py REPORT.xml CACHE_DIR
"""

import json
import pathlib
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

import junitparser
import xmlschema

PYTEST_SDIST = "pytest==8.3.4"
XSD_MEMBER = "pytest-8.3.4/testing/example_scripts/junit-10.xsd"


def schema(cache: pathlib.Path) -> pathlib.Path:
    xsd = cache / "junit-10.xsd"
    if not xsd.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", PYTEST_SDIST, "-d", str(cache)],
            check=True,
        )
        with tarfile.open(cache / "pytest-8.3.4.tar.gz") as tar:
            xsd.write_bytes(tar.extractfile(XSD_MEMBER).read())
    return xsd


def main():
    report, cache = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    # quick-junit writes a `skipped` count on the <testsuites> root, as Maven Surefire does;
    # the Jenkins schema (2017) predates it. Everything else is validated as written.
    tree = ET.parse(report)
    tree.getroot().attrib.pop("skipped", None)
    xmlschema.XMLSchema(str(schema(cache))).validate(tree)
    xml = junitparser.JUnitXml.fromfile(str(report))
    suites = []
    for suite in xml:
        cases = []
        for case in suite:
            results = [{"kind": type(r).__name__, "message": r.message, "text": r.text} for r in case.result]
            cases.append({"name": case.name, "classname": case.classname, "time": case.time, "results": results, "system_out": case.system_out})
        suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "errors": suite.errors, "skipped": suite.skipped, "cases": cases})
    print(json.dumps(suites))


if __name__ == "__main__":
    main()
