from django.urls import path

from ui.views import (
    auth,
    boards,
    cases,
    filing,
    flow,
    monthly,
    notifications,
    preferences,
    progress,
    queues,
    search,
    stats,
)

app_name = "ui"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("my-cases/", boards.my_cases, name="my_cases"),
    path("cases/new/", filing.file_case, name="file_case"),
    path("cases/<int:case_id>/", cases.case_page, name="case"),
    path("cases/<int:case_id>/act/<str:name>/", cases.case_act, name="case_act"),
    path("cases/<int:case_id>/deadline/<str:action>/", cases.case_clock, name="case_clock"),
    path("cases/<int:case_id>/risk/", cases.case_risk, name="case_risk"),
    path("cases/<int:case_id>/party-code/", cases.case_party_code, name="case_party_code"),
    path("inbox/", queues.inbox, name="inbox"),
    path("tasks/<str:task_id>/<str:action>/", queues.task_action, name="task_action"),
    path("triage/", queues.triage, name="triage"),
    path("board/", boards.board, name="board"),
    path("board/live/", boards.board_live, name="board_live"),
    path("board/charts/", boards.board_charts, name="board_charts"),
    path("overview/", boards.overview, name="overview"),
    path("search/", search.search, name="search"),
    path("reports/monthly/", monthly.monthly_reports, name="monthly_reports"),
    path("reports/monthly/<int:report_id>/", monthly.monthly_report, name="monthly_report"),
    path("stats/", stats.stats, name="stats"),
    path("flow/", flow.flow_page, name="flow"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read-all/", notifications.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", notifications.notification_read, name="notification_read"),
    path("preferences/text-size/", preferences.text_size, name="text_size"),
    path("p/<str:code>/", progress.progress_page, name="progress"),
]
