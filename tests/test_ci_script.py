"""`.ci/run` installs the Debian packages later steps need, only when they are missing."""

import re
from pathlib import Path

CI_SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "run"


def test_ci_installs_gettext_when_msgfmt_is_missing():
    script = CI_SCRIPT.read_text()
    install = re.search(r"apt-get install -y -qq \\\n\s+(?P<packages>[^>]+)>", script)
    assert install is not None
    assert install["packages"].split() == [
        "chromium",
        "chromium-driver",
        "fonts-noto-cjk",
        "fonts-wqy-zenhei",
        "gettext",
    ]
    # Idempotent: apt runs only when one of the tools is missing.
    assert "! command -v msgfmt >/dev/null" in script
