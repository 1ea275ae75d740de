"""What the documentation states about the repository's own files stays true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def script_packages(*sets: str) -> set[str]:
    """The packages of these sets (build, test) in tools/ensure-system-packages.sh."""
    script = (ROOT / "tools" / "ensure-system-packages.sh").read_text()
    packages = set()
    for name in sets:
        block = re.search(rf"^{name}_packages=\((.*?)^\)", script, re.S | re.M).group(1)
        packages |= {word for line in block.splitlines() for word in line.split("#")[0].split()}
    return packages


def test_the_installation_page_lists_exactly_the_packages_make_installs():
    page = (DOCS / "installation.md").read_text()
    section = page[page.index("**Working on this repository**"):]
    block = re.search(r"```bash\n(apt-get install .*?)```", section, re.S).group(1)
    listed = set(block.replace("\\\n", " ").split()[2:])
    assert listed == script_packages("build", "test")



def test_the_source_build_lists_the_build_set_and_the_python_headers():
    page = (DOCS / "installation.md").read_text()
    section = page[page.index("**From source**"):page.index("**Working on this repository**")]
    block = re.search(r"```bash\n(apt-get install .*?)```", section, re.S).group(1)
    assert set(block.split()[2:]) == script_packages("build") | {"python3-dev"}


def test_the_readme_quick_start_is_the_tested_snippets():
    """README shows the Quick start's files verbatim, so what it shows is what is tested."""
    readme = (ROOT / "README.md").read_text()
    for name in ("settings_snippet.py", "urls.py"):
        assert (DOCS / "examples" / "quickstart" / name).read_text().rstrip() in readme, name


def test_the_readme_benchmark_headline_is_the_benchmarks_page_run():
    """The ratios README quotes are the ones of the run docs/benchmarks.md reports (which
    make bench-http rewrites)."""
    page = (DOCS / "benchmarks.md").read_text()
    run = page[page.index("<!-- bench-http:begin"):page.index("<!-- bench-http:end -->")]
    measured = sorted(re.findall(r"\*\*([0-9.]+)×\*\*", run))
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Speed"):]
    section = section[: section.index("\n## ")]
    quoted = sorted(re.findall(r"\| ([0-9.]+)× \|", section))
    assert measured and quoted == measured
