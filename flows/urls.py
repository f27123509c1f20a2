from django.urls import path

from flows import api

urlpatterns = [
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<str:task_id>/<str:action>/", api.TaskActionView.as_view(), name="api-task-action"),
]
