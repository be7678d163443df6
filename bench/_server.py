"""A loopback Graph stand-in for the runner, in a process of its own (standard library only).

    python -m bench._server --users 1000000    # prints its base URL, serves until stdin closes

It answers ``GET /v1.0/users/{id}`` with one user (any id), and ``GET /v1.0/users`` with
pages of ``--users`` users made as they are asked for (``$top``, at most 999, and a
``$skiptoken`` offset in ``@odata.nextLink``): paging a million users costs the server no
memory. The clients measured run in other processes, so the server's work never shares
their interpreter (or its GIL). One asyncio loop serves every connection: a thread per
connection (``ThreadingHTTPServer``) answered 50 concurrent callers 4x slower than one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: The largest page Graph serves for users.
MAX_PAGE = 999
DEFAULT_PAGE = 100


def user(n: int) -> dict[str, Any]:
    """User ``n`` as Graph sends it for ``users.get``'s default ``$select``."""
    return {
        "id": f"87d349ed-44d7-43e1-9a83-{n:012d}",
        "displayName": f"Adele Vance {n}",
        "mail": f"AdeleV{n}@contoso.com",
        "userPrincipalName": f"AdeleV{n}@contoso.com",
        "givenName": "Adele",
        "surname": "Vance",
        "jobTitle": "Retail Manager",
        "department": "Retail",
        "officeLocation": "18/2111",
        "mobilePhone": None,
        "businessPhones": ["+1 425 555 0109"],
        "accountEnabled": True,
    }


def users_page(base_url: str, total: int, skip: int, top: int) -> dict[str, Any]:
    """The page of users from ``skip`` (``top`` of them), with a next link if more remain."""
    end = min(total, skip + top)
    body: dict[str, Any] = {"value": [user(n) for n in range(skip, end)]}
    if end < total:
        body["@odata.nextLink"] = f"{base_url}/users?$top={top}&$skiptoken={end}"
    return body


def respond(base_url: str, users: int, target: str) -> tuple[int, bytes]:
    """The status and JSON body for ``GET target``."""
    url = urlsplit(target)
    parts = url.path.rstrip("/").split("/")
    if parts[:3] == ["", "v1.0", "users"] and len(parts) == 4:
        status, body = 200, user(0)  # any id: the same user
    elif parts == ["", "v1.0", "users"]:
        query = parse_qs(url.query)
        top = min(int(query.get("$top", [DEFAULT_PAGE])[0]), MAX_PAGE)
        skip = int(query.get("$skiptoken", ["0"])[0])
        status, body = 200, users_page(base_url, users, skip, top)
    else:
        status = 404
        body = {"error": {"code": "Request_ResourceNotFound", "message": url.path}}
    return status, json.dumps(body, separators=(",", ":")).encode()


async def _connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, base_url: str, users: int
) -> None:
    """Requests on one keep-alive connection, answered in order, until the client closes."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            for line in lines[1:]:  # a body (none expected) is read and ignored
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length" and int(value):
                    await reader.readexactly(int(value))
            status, data = respond(base_url, users, target)
            reason = b"OK" if status == 200 else b"Not Found"
            writer.write(
                b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (status, reason, len(data), data)
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(users: int) -> None:
    """Serve on a free loopback port, print the base URL, stop when stdin closes."""
    base_url = ""

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _connection(reader, writer, base_url, users)

    server = await asyncio.start_server(accept, "127.0.0.1", 0, backlog=512)
    base_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1.0"
    print(base_url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()


def main(argv: list[str] | None = None) -> None:
    """Serve until standard input closes (the runner holds the pipe; its exit ends us)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000, help="users in the listing")
    asyncio.run(serve(parser.parse_args(argv).users))


if __name__ == "__main__":
    main()
