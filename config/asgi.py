"""ASGI entry point: HTTP through Django, WebSocket through Channels, and the lifespan
protocol so pushes made off the server's event loop find it (flows.realtime)."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from flows import realtime  # noqa: E402
from flows.consumers import WebSocketAuth  # noqa: E402
from flows.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": WebSocketAuth(URLRouter(websocket_urlpatterns)),
    "lifespan": realtime.lifespan,
})
