"""Connection URLs as the binaries read them: broker user, TLS and the files named in the query."""
from urllib.parse import parse_qs, urlsplit


def parts(url: str) -> tuple:
    """(scheme, user, query parameters) of an amqp(s):// or postgresql:// URL."""
    split = urlsplit(url)
    return split.scheme, split.username, {key: values[-1] for key, values in parse_qs(split.query).items()}


# Query parameters that name a file the process must be able to read.
FILE_PARAMETERS = ("cacertfile", "certfile", "keyfile", "sslrootcert", "sslcert", "sslkey")


def files_named(url: str) -> list[str]:
    query = parts(url)[2]
    return [query[name] for name in FILE_PARAMETERS if name in query]
