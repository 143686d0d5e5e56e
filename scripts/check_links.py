#!/usr/bin/env python3
"""Checks that every relative link and image path in README.md, CONTRIBUTING.md and
docs/*.md points at a file or folder that exists (anchors and web links are not
followed). Prints each broken link with its file and line; exits 1 if any.
    python3 scripts/check_links.py [FILE...]
"""
import glob
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
files = sys.argv[1:] or [f for f in ["README.md", "CONTRIBUTING.md"] + sorted(glob.glob("docs/**/*.md", recursive=True))
                         if os.path.exists(os.path.join(root, f))]
# [text](target) and ![alt](target), and <img src="target">.
link = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|<img[^>]*\bsrc=\"([^\"]+)\"")
broken = 0
checked = 0
for name in files:
    path = os.path.join(root, name)
    in_code = False
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        for match in link.finditer(line):
            target = match.group(1) or match.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # http:, https:, mailto:, anchors
            target = target.split("#", 1)[0]
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
            checked += 1
            if not os.path.exists(resolved):
                print(f"{name}:{number}: broken link: {target}")
                broken += 1
print(f"check_links: {checked} relative links in {len(files)} files, {broken} broken")
sys.exit(1 if broken else 0)
