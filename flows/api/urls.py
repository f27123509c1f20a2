from django.urls import path

from flows.api import views as api

urlpatterns = [
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<str:task_id>/<str:action>/", api.TaskActionView.as_view(), name="api-task-action"),
    path("notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/read-all/", api.NotificationReadAllView.as_view(), name="api-notifications-read-all"),
    path("notifications/<str:notification_id>/read/", api.NotificationReadView.as_view(), name="api-notification-read"),
]
