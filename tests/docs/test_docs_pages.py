"""What the documentation states about the repository's own files stays true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def script_packages() -> set[str]:
    script = (ROOT / "tools" / "ensure-system-packages.sh").read_text()
    block = re.search(r"^packages=\((.*?)^\)", script, re.S | re.M).group(1)
    return {word for line in block.splitlines() for word in line.split("#")[0].split()}


def test_the_installation_page_lists_exactly_the_packages_make_installs():
    page = (DOCS / "installation.md").read_text()
    section = page[page.index("**Working on this repository**"):]
    block = re.search(r"```bash\n(apt-get install .*?)```", section, re.S).group(1)
    listed = set(block.replace("\\\n", " ").split()[2:])
    assert listed == script_packages()

