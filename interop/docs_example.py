import asyncio
import time

from azure.core.credentials import AccessToken
from msgraph import GraphServiceClient
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.event import Event

from graphlink.testing import FakeGraph


class StaticToken:  # an azure-core async credential: FakeGraph accepts any bearer token
    async def get_token(self, *scopes, **kwargs):
        return AccessToken("fake-token", int(time.time()) + 3600)


async def main(base_url: str) -> None:
    client = GraphServiceClient(StaticToken(), scopes=["https://graph.microsoft.com/.default"])
    client.request_adapter.base_url = base_url  # Kiota allows plain http on 127.0.0.1
    users = await client.users.get()
    print(len(users.value), "users, first:", users.value[0].display_name)
    event = await client.users.by_user_id("adelev@contoso.com").events.post(
        Event(
            subject="Design review",
            start=DateTimeTimeZone(date_time="2030-01-07T10:00:00", time_zone="UTC"),
            end=DateTimeTimeZone(date_time="2030-01-07T11:00:00", time_zone="UTC"),
        )
    )
    print("booked:", event.subject)


with FakeGraph.demo().serve() as base_url:  # http://127.0.0.1:<port>/v1.0
    asyncio.run(main(base_url))
