"""Email header values made single-line where they are built.

A line break in a header value is either refused by the mail library (Django raises
BadHeaderError, and the email is never sent) or, for the characters it does not check,
folded into a new header line (header injection). A complaint's title, a customer's name
and everything else a customer typed can hold them, so every value that goes into a
subject or a display name passes through `one_line` first.
"""

import re

# Every character that ends a line somewhere (LF, VT, FF, CR, the file/group/record
# separators, NEL, U+2028, U+2029) and the other control characters (tab excepted), with
# the blanks around them.
_BREAKS = re.compile(
    r"[ \t]*[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029][\x00-\x20\x7f\x85\u2028\u2029]*"
)


def one_line(value: object) -> str:
    """The value as one line: every run of line breaks and control characters (with the
    blanks around it) becomes one space. Other spaces, the ideographic one included, stay."""
    return _BREAKS.sub(" ", str(value)).strip()
