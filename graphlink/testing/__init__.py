"""graphlink's test kit: [`FakeGraph`][graphlink.testing.FakeGraph], an in-memory Microsoft Graph.

```pycon
>>> from graphlink.testing import FakeGraph
>>> fake = FakeGraph()
>>> ada = fake.add_user("ada@contoso.com", "Ada Lovelace")
>>> import httpx
>>> with httpx.Client(transport=fake.transport(), headers={"Authorization": "Bearer x"}) as http:
...     r = http.get("https://graph.microsoft.com/v1.0/users")
>>> r.json()["value"][0]["displayName"]
'Ada Lovelace'

```

Importing ``graphlink`` never imports this package.
"""

from graphlink.testing._fake import FakeGraph, RecordedRequest
from graphlink.testing._limits import FaultKind
from graphlink.testing._seed import SERVICE_ACCOUNT
from graphlink.testing._snapshot import SnapshotError
from graphlink.testing._state import SentAttachment, SentMail
from graphlink.testing._state.subscriptions import Delivery

__all__ = [
    "SERVICE_ACCOUNT",
    "Delivery",
    "FakeGraph",
    "FaultKind",
    "RecordedRequest",
    "SentAttachment",
    "SentMail",
    "SnapshotError",
]
