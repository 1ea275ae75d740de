"""``.. openapi-endpoints::``: the endpoint reference, rendered from the OpenAPI schema.

The schema is generated when the docs are built, by drf-spectacular with the settings
that `make openapi-check` validates and fuzzes (tests/openapi/settings.py), so the page
cannot drift from the API: a new endpoint, field or status code appears here on the
next build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.openapi.settings"


def generate_schema() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "openapi.json"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "django", "spectacular", "--format", "openapi-json",
             "--fail-on-warn", "--file", str(out)],
            cwd=ROOT, env=env, check=True,
        )
        return json.loads(out.read_text(encoding="utf-8"))


class Renderer:
    def __init__(self, schema: dict):
        self.schema = schema
        self.components = schema.get("components", {}).get("schemas", {})

    def resolve(self, node: dict) -> tuple[str | None, dict]:
        ref = node.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return name, self.components[name]
        return None, node

    def type_of(self, node: dict) -> str:
        name, node = self.resolve(node)
        if "oneOf" in node:
            return " or ".join(self.type_of(alt) for alt in node["oneOf"])
        if "enum" in node and len(node["enum"]) == 1:
            return f"``{json.dumps(node['enum'][0])}``"
        if node.get("type") == "array":
            return f"array of {self.type_of(node.get('items', {}))}"
        if name and node.get("type", "object") == "object" and "properties" in node:
            return f"object ``{name}``"
        kind = node.get("type", "object")
        if node.get("format"):
            kind += f" ({node['format']})"
        if node.get("pattern"):
            kind += f", pattern ``{node['pattern']}``"
        return kind

    def fields(self, node: dict, indent: str = "") -> list[str]:
        name, node = self.resolve(node)
        if "oneOf" in node:
            lines = [f"{indent}One of:", ""]
            for alt in node["oneOf"]:
                alt_name, alt_node = self.resolve(alt)
                desc = clean(alt_node.get("description", ""))
                lines += [f"{indent}- ``{alt_name}``: {desc}", ""]
                lines += self.fields(alt, indent + "  ")
            return lines
        props = node.get("properties")
        if not props:
            desc = clean(node.get("description", ""))
            return [f"{indent}{desc}", ""] if desc else []
        required = set(node.get("required", ()))
        lines = []
        for prop, spec in props.items():
            _, resolved = self.resolve(spec)
            desc = clean(spec.get("description") or resolved.get("description", ""))
            flag = "required" if prop in required else "optional"
            lines.append(f"{indent}- ``{prop}`` ({self.type_of(spec)}, {flag}){': ' + desc if desc else ''}")
        return [*lines, ""]

    def operation(self, method: str, path: str, op: dict) -> list[str]:
        title = f"{method.upper()} {path}"
        lines = [title, "-" * len(title), ""]
        lines += [clean(op.get("summary", "")) + ".", ""]
        lines += [f"Operation id: ``{op['operationId']}``.", ""]
        security = op.get("security")
        if security is not None:
            schemes = [name for item in security for name in item] or []
            anonymous = any(item == {} for item in security)
            who = ", ".join(f"``{s}``" for s in schemes) or "none"
            if anonymous and schemes:
                who += ", or anonymous"
            elif anonymous:
                who = "anonymous"
            lines += [f"Authentication: {who}.", ""]
        body = op.get("requestBody")
        if body:
            types = ", ".join(f"``{t}``" for t in body["content"])
            schema = next(iter(body["content"].values()))["schema"]
            lines += [f"Request body ({types}):", ""]
            lines += self.fields(schema, "  ") or ["  (no fields)", ""]
        else:
            lines += ["Request body: none.", ""]
        lines += ["Responses:", ""]
        for status, response in op["responses"].items():
            content = response.get("content", {}).get("application/json")
            desc = clean(response.get("description", ""))
            headers = [h for h in response.get("headers", {}) if h != "Cache-Control"]
            head = f"- **{status}**" + (f": {desc}" if desc else "")
            if headers:
                head += " Headers: " + ", ".join(f"``{h}``" for h in headers) + "."
            lines += [head, ""]
            if content:
                lines += self.fields(content["schema"], "  ")
            links = response.get("links", {})
            for name, link in links.items():
                lines += [f"  - link ``{name}`` to ``{link['operationId']}``: {clean(link.get('description', ''))}", ""]
        return lines

    def render(self) -> list[str]:
        lines = []
        for path, item in sorted(self.schema["paths"].items()):
            for method, op in item.items():
                if isinstance(op, dict) and "operationId" in op:
                    lines += self.operation(method, path, op)
        return lines


def clean(text: str) -> str:
    return " ".join(text.split())


class OpenApiEndpoints(SphinxDirective):
    has_content = False

    def run(self):
        lines = Renderer(generate_schema()).render()
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="openapi-schema"), container)
        return container.children


def setup(app):
    app.add_directive("openapi-endpoints", OpenApiEndpoints)
    return {"version": "1", "parallel_read_safe": True}
