#!/usr/bin/env python3
"""Expands a stonks template the way `cargo generate` does, without it.

    templates/render.py TEMPLATE --name NAME --destination DIR [--define KEY=VALUE]...

writes DIR/<project-name>. Like cargo-generate: `project-name` is NAME in
dash-case, `crate_name` in snake_case, `authors` is given or taken from git;
the template's own placeholders (`[placeholders]` of its
`cargo-generate.toml`) take `--define` values, else their defaults, and
must match their `regex`; `{{name}}` is replaced in every file's text and
name; `cargo-generate.toml` itself is not copied.

Unlike cargo-generate it knows no other Liquid: a `{%` tag, a filter (`|`)
or an unknown name is an error naming the file and line, so a template that
renders here uses nothing cargo-generate would read differently.
"""

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
CONFIG = "cargo-generate.toml"


def fail(message):
    print(f"render.py: {message}", file=sys.stderr)
    sys.exit(1)


def dash_case(name):
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name))
    return "-".join(w.lower() for w in words)


def git_author():
    def config(key):
        try:
            out = subprocess.run(
                ["git", "config", key], capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return out.stdout.strip()

    name, email = config("user.name"), config("user.email")
    if name and email:
        return f"{name} <{email}>"
    return name or "unknown"


def values(template, args):
    project = dash_case(args.name)
    if not project:
        fail(f"{args.name!r} has no letters or digits to name a project with")
    given = {}
    for pair in args.define:
        key, sep, value = pair.partition("=")
        if not sep:
            fail(f"--define takes KEY=VALUE, not {pair!r}")
        given[key] = value
    found = {
        "project-name": project,
        "crate_name": project.replace("-", "_"),
        "authors": given.pop("authors", None) or git_author(),
    }
    config_path = template / CONFIG
    config = tomllib.loads(config_path.read_text()) if config_path.exists() else {}
    for key, spec in config.get("placeholders", {}).items():
        value = given.pop(key, spec.get("default"))
        if value is None:
            fail(f"placeholder {key!r} has no default: --define {key}=...")
        if "regex" in spec and not re.fullmatch(spec["regex"], str(value)):
            fail(f"{key}={value!r} does not match {spec['regex']!r}")
        if "choices" in spec and value not in spec["choices"]:
            fail(f"{key}={value!r} is not one of {spec['choices']}")
        found[key] = str(value)
    if given:
        fail(f"the template has no placeholder {sorted(given)}")
    return found


def render(text, found, where):
    if "{%" in text:
        line = text[: text.index("{%")].count("\n") + 1
        fail(f"{where}:{line}: a Liquid tag; only {{{{name}}}} placeholders are supported")

    def one(match):
        name = match.group(1).strip()
        if name not in found:
            line = text[: match.start()].count("\n") + 1
            fail(f"{where}:{line}: unknown placeholder {{{{{match.group(1)}}}}}")
        return found[name]

    return PLACEHOLDER.sub(one, text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--destination", type=Path, default=Path("."))
    parser.add_argument("--define", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    template = args.template.resolve()
    if not (template / CONFIG).is_file():
        fail(f"{template} has no {CONFIG}: not a cargo-generate template")
    found = values(template, args)
    out = args.destination.resolve() / found["project-name"]
    if out.exists():
        fail(f"{out} already exists")
    for source in sorted(template.rglob("*")):
        relative = source.relative_to(template)
        if source.is_dir() or relative.as_posix() == CONFIG:
            continue
        target = out / render(relative.as_posix(), found, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = source.read_text()
        except UnicodeDecodeError:
            target.write_bytes(source.read_bytes())
            continue
        target.write_text(render(text, found, relative))
    print(out)


if __name__ == "__main__":
    main()
