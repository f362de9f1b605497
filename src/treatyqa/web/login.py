"""The staff login (``TREATYQA_AUTH="user:password"``): parsed in one place for the chat's login
page and the JSON API's HTTP Basic check.

>>> login = Login.parse("staff:s3cret")
>>> login.accepts("Basic " + base64.b64encode(b"staff:s3cret").decode())
True
>>> login.accepts("Basic " + base64.b64encode(b"staff:wrong").decode())
False
>>> Login.parse("no-colon")
Traceback (most recent call last):
...
ValueError: TREATYQA_AUTH must be user:password
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Login:
    user: str
    password: str = field(repr=False)  # never in a log line or a traceback

    @classmethod
    def parse(cls, auth: str | None) -> Login | None:
        """The login of an ``auth`` setting, or None when none is set (no login asked)."""
        if not auth:
            return None
        user, sep, password = auth.partition(":")
        if not sep or not user:
            raise ValueError("TREATYQA_AUTH must be user:password")
        return cls(user, password)

    def accepts(self, authorization: str) -> bool:
        """Whether an ``Authorization`` header carries this login (HTTP Basic)."""
        scheme, _, encoded = authorization.partition(" ")
        given = ""
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(encoded, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                given = ""
        given_user, _, given_password = given.partition(":")
        # both compared, in constant time: a timing difference would tell a right user name
        ok_user = secrets.compare_digest(given_user.encode(), self.user.encode())
        ok_password = secrets.compare_digest(given_password.encode(), self.password.encode())
        return ok_user and ok_password
