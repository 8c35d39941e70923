"""Write the broker's OpenAPI document (`entente_daemon/broker/openapi.json`) from its code:

    python scripts/broker_openapi.py [--check]

``--check``: exit 1 when the checked-in copy differs (tests/broker/test_openapi.py does the
same in the test run).
"""

from __future__ import annotations

import argparse
import sys

from entente_daemon.broker.openapi_doc import CHECKED_IN, document, render


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render(document())
    if args.check:
        same = CHECKED_IN.exists() and CHECKED_IN.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{CHECKED_IN.name} differs: run this without --check")
        return 0 if same else 1
    CHECKED_IN.write_text(text, encoding="utf-8")
    print(f"wrote {CHECKED_IN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
