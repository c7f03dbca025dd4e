"""Reading an email as the customer meant it: sender, subject, text, attachments.

Pure functions over the raw bytes, no database: tickets.mail_intake decides what the message
becomes. Mail in the wild is messy (GBK and GB18030 from Chinese clients, charsets Python has
never heard of, bodies labelled with the wrong charset, 8-bit headers, broken MIME), so
nothing here raises on bad input: text is decoded as well as it can be, and a message whose
structure cannot be trusted is reported through `ParsedMail.problem`.
"""

import email
import email.header
import email.utils
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors as mail_errors
from email.message import Message
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Complaint references as complaints.services.next_reference writes them: C-2026-000123.
REFERENCE = re.compile(r"(?<![A-Za-z0-9])C-(\d{4})-(\d{6,9})(?!\d)", re.IGNORECASE)

# GBK and GB2312 are subsets of GB18030, and mail labelled gb2312 routinely carries GBK-only
# characters: decoding as the superset reads every such body correctly.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}

# Structural defects after which the parts cannot be trusted (the boundary is missing, so
# the "body" would be the whole MIME soup). Other defects (bad base64 padding, a missing
# closing boundary) are repaired by the parser and tolerated.
FATAL_DEFECTS = (
    mail_errors.NoBoundaryInMultipartDefect,
    mail_errors.StartBoundaryNotFoundDefect,
    mail_errors.MultipartInvariantViolationDefect,
)

AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply", "list"}
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
SIGNATURES = {
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
}


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str  # as declared by the sender; the stored type is sniffed from content
    content: bytes


@dataclass
class ParsedMail:
    message_id: str = ""
    sender_name: str = ""
    sender_email: str = ""  # lower-cased; empty when From holds no usable address
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    attachments: list[MailAttachment] = field(default_factory=list)
    # Why this is an automatic message (auto-reply, bounce, list mail); empty for a person.
    auto_reply: str = ""
    # Why the message cannot be read reliably; empty when it can.
    problem: str = ""


def clean_text(value: str) -> str:
    """Text safe for any database: no NUL (PostgreSQL refuses it), no lone surrogates."""
    value = value.replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: the declared charset, then UTF-8, then GB18030, then UTF-8 with
    replacement characters. Never raises.

    Strict UTF-8 is tried before GB18030 because it almost never accepts bytes that are not
    UTF-8, while GB18030 accepts most UTF-8 Chinese as (wrong) text.
    """
    tried: list[str] = []
    declared = (charset or "").strip().strip('"').lower()
    declared = CHARSET_ALIASES.get(declared, declared)
    for candidate in (declared, "utf-8", "gb18030"):
        if not candidate or candidate in tried or candidate in {"unknown-8bit", "x-unknown"}:
            continue
        tried.append(candidate)
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeError, ValueError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_value(value) -> str:
    """A header (RFC 2047 encoded words in any charset, or raw 8-bit bytes) as one line."""
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(value)
    except (mail_errors.HeaderParseError, ValueError, LookupError):
        parts = [(str(value), None)]
    text = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            text.append(decode_bytes(chunk, charset))
        elif any("\udc80" <= ch <= "\udcff" for ch in chunk):
            # Raw 8-bit bytes the parser smuggled through as surrogates: recover and decode.
            text.append(decode_bytes(chunk.encode("ascii", "surrogateescape")))
        else:
            text.append(chunk)
    return clean_text(" ".join("".join(text).split()))


def _header(message: Message, name: str) -> str:
    try:
        return decode_header_value(message.get(name))
    except Exception:  # a header we cannot read is a header we do not have
        return ""


def _sender(message: Message) -> tuple[str, str]:
    from_header = _header(message, "From")
    raw = message.get("From")
    # Parse the address before decoding the name: a decoded name may contain commas.
    if isinstance(raw, str) and not any("\udc80" <= ch <= "\udcff" for ch in raw):
        name, address = email.utils.parseaddr(raw)
        name = decode_header_value(name)
    else:
        name, address = email.utils.parseaddr(from_header)
    address = clean_text(address.strip()).lower()
    try:
        validate_email(address)
    except ValidationError:
        address = ""
    return clean_text(name.strip().strip('"').strip()), address


def parse_date(value: str) -> datetime | None:
    """The Date header as an aware datetime, or None when it cannot be read."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    # "-0000" (time zone unknown) parses naive; RFC 5322 says to read it as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _auto_reply(message: Message, sender_email: str) -> str:
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"automatic message (Auto-Submitted: {auto})"
    precedence = _header(message, "Precedence").lower()
    if precedence in AUTO_PRECEDENCE:
        return f"automatic message (Precedence: {precedence})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Failed-Recipients"):
        if message.get(name) is not None:
            return f"automatic message ({name})"
    for name in ("List-Id", "List-Unsubscribe"):
        if message.get(name) is not None:
            return f"mailing list or newsletter ({name})"
    if message.get_content_type() == "multipart/report":
        return "delivery or read report (multipart/report)"
    if _header(message, "Return-Path") == "<>":
        return "bounce (empty Return-Path)"
    if sender_email.split("@")[0] in BOUNCE_SENDERS:
        return f"bounce (from {sender_email})"
    return ""


class _TextExtractor(HTMLParser):
    """HTML to plain text: tags dropped, scripts and styles skipped, blocks on new lines."""

    BLOCKS = {
        "address", "article", "blockquote", "br", "div", "footer", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "td", "th",
        "tr", "ul",
    }  # fmt: skip
    SKIPPED = {"head", "script", "style", "title", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data) -> None:
        if not self.skipping:
            # Whitespace inside HTML text is not significant; blocks make the line breaks.
            self.parts.append(re.sub(r"[ \t\r\n\f\xa0]+", " ", data))


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
        text = "".join(extractor.parts)
    except Exception:  # fall back to a blunt tag strip, never fail on HTML
        text = re.sub(r"<[^>]*>", " ", html)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    try:
        named = bool(part.get_filename())
    except Exception:  # an unreadable filename parameter still names a file
        named = True
    return disposition == "attachment" or named


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # undecodable transfer encoding: nothing usable
        return b""
    return data if isinstance(data, bytes) else b""


def _filename(part: Message, number: int) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    # Chinese clients often RFC 2047-encode the filename parameter (not RFC 2231).
    name = decode_header_value(name).replace("/", "_").replace("\\", "_").strip()
    if not name:
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"attachment-{number}{extension}"
    return name[-255:]


class _Walker:
    """Collects the body text and the attachments of a MIME tree.

    In a multipart/alternative only one branch gives the text (plain preferred over HTML);
    attachments come from every branch, since a photo pasted into the HTML version is
    evidence too. Forwarded messages give attachments but not text.
    """

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[MailAttachment] = []

    def walk(self, part: Message, *, text: bool = True) -> None:
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                return
            ctype = part.get_content_type()
            if ctype == "message/rfc822":
                for child in children:
                    self.walk(child, text=False)
                return
            chosen = self._alternative(children) if ctype == "multipart/alternative" else None
            for child in children:
                self.walk(child, text=text and (chosen is None or child is chosen))
            return
        ctype = part.get_content_type()
        if ctype in ("text/plain", "text/html") and not _is_attachment(part):
            if text:
                body = decode_bytes(_payload(part), part.get_content_charset())
                (self.plain if ctype == "text/plain" else self.html).append(body)
            return
        if part.get_content_maintype() == "text" and not _is_attachment(part):
            return  # calendar invites, vCards and the like, inline: not evidence
        if ctype in SIGNATURES:
            return  # the signature of a signed message: not evidence, not worth a note
        content = _payload(part)
        if content:
            number = len(self.attachments) + 1
            self.attachments.append(MailAttachment(_filename(part, number), ctype, content))

    @staticmethod
    def _alternative(children: list) -> Message | None:
        for wanted in ("text/plain", "text/html"):
            for child in children:
                if child.get_content_type() == wanted and not _is_attachment(child):
                    return child
        # Nested structure (multipart/related inside): the richest version, which is last.
        return children[-1] if children else None


def _normalise(text: str) -> str:
    text = clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse_mail(raw: bytes) -> ParsedMail:
    """Everything intake needs from a raw message. Never raises; see ParsedMail.problem."""
    try:
        message = email.message_from_bytes(raw)
    except Exception as error:  # the parser is lenient; this is a last resort
        return ParsedMail(problem=f"The message cannot be parsed: {error}")
    name, address = _sender(message)
    mail = ParsedMail(
        message_id=_header(message, "Message-ID")[:255],
        sender_name=name,
        sender_email=address,
        subject=_header(message, "Subject"),
        date=parse_date(_header(message, "Date")),
    )
    mail.auto_reply = _auto_reply(message, address)
    defects = [d for part in message.walk() for d in part.defects]
    fatal = [d for d in defects if isinstance(d, FATAL_DEFECTS)]
    if fatal:
        mail.problem = (
            "Malformed MIME: "
            + "; ".join(sorted({type(d).__name__ for d in fatal}))
            + ". The parts cannot be told apart, so nothing was read from the body."
        )
        return mail
    walker = _Walker()
    try:
        walker.walk(message)
    except Exception as error:  # a tree we cannot walk is malformed mail
        mail.problem = f"Malformed MIME: {type(error).__name__}: {error}"
        return mail
    if walker.plain:
        mail.text = _normalise("\n\n".join(walker.plain))
    elif walker.html:
        mail.text = _normalise("\n\n".join(html_to_text(h) for h in walker.html))
    mail.attachments = walker.attachments
    return mail


def read_envelope(raw: bytes) -> tuple[str, str, str]:
    """Message-ID, sender address and subject, for the stored row; blanks when unreadable."""
    try:
        message = email.message_from_bytes(raw)
        _name, address = _sender(message)
        return _header(message, "Message-ID"), address, _header(message, "Subject")
    except Exception:  # storing the raw message must never fail on parsing
        return "", "", ""


def references_in(subject: str) -> list[str]:
    """Complaint references named in a subject, in order, without repeats."""
    found = [f"C-{year}-{number}" for year, number in REFERENCE.findall(subject)]
    return list(dict.fromkeys(found))


# Where the quoted original starts in a reply. Kept deliberately simple: the common English
# and Chinese client headers (Gmail, Apple Mail, Outlook, QQ Mail, Foxmail, NetEase).
_QUOTE_STARTS = (
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*在.{0,300}写道\s*[:：]\s*$"),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|原始邮件|Forwarded message|转发邮件|回复邮件)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
)
_HEADER_BLOCK_FROM = re.compile(r"^\s*(From|发件人)\s*[:：]", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(r"^\s*(Sent|Date|To|发送时间|日期|收件人)\s*[:：]", re.IGNORECASE)


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        # A long "On … wrote:" is often wrapped onto two lines.
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if any(p.match(line) or p.match(joined) for p in _QUOTE_STARTS):
            return index
        if _HEADER_BLOCK_FROM.match(line) and any(
            _HEADER_BLOCK_NEXT.match(following) for following in lines[index + 1 : index + 4]
        ):
            return index
    return None


def strip_quoted(text: str) -> str:
    """The new part of a reply: without the quoted original and without "> " lines."""
    lines = text.split("\n")
    start = _quote_start(lines)
    if start is not None:
        lines = lines[:start]
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
