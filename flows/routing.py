"""WebSocket routes, mounted by config/asgi.py."""
from django.urls import path

from flows.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
