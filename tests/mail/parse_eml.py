#!/usr/bin/python3
"""Parses an RFC 5322 file with Python's email package (an independent
decoder for the mail tests) and prints JSON: the decoded From, To and Subject,
every header name in order, any parse defects, and the decoded text and HTML
parts."""
import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)

out = {
    "headers": [k for k in msg.keys()],
    "from": str(msg["From"]) if msg["From"] is not None else None,
    "from_display_name": msg["From"].addresses[0].display_name if msg["From"] else None,
    "from_addr": msg["From"].addresses[0].addr_spec if msg["From"] else None,
    "to_addrs": [a.addr_spec for a in msg["To"].addresses] if msg["To"] else [],
    "to_display_names": [a.display_name for a in msg["To"].addresses] if msg["To"] else [],
    "subject": str(msg["Subject"]) if msg["Subject"] is not None else None,
    "message_id": str(msg["Message-ID"]),
    "date": str(msg["Date"]),
    "content_type": msg.get_content_type(),
    "defects": [type(d).__name__ for d in msg.defects],
    "text": None,
    "html": None,
}
for part in msg.walk():
    ct = part.get_content_type()
    if part.is_multipart():
        continue
    out["defects"] += [type(d).__name__ for d in part.defects]
    if ct == "text/plain":
        out["text"] = part.get_content()
    elif ct == "text/html":
        out["html"] = part.get_content()
print(json.dumps(out))
