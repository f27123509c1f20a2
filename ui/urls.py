from django.urls import path

from ui.views import auth, boards, cases, filing, monthly, progress, pwa, queues, records, search, stats

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
    path("cases/<int:case_id>/records/<str:name>/", records.record_post, name="case_record"),
    path("cases/<int:case_id>/attachments/<int:attachment_id>/", records.attachment_download, name="attachment"),
    path("cases/<int:case_id>/attachments/<int:attachment_id>/thumbnail/", records.attachment_thumbnail,
         name="attachment_thumbnail"),
    path("cases/<int:case_id>/receipt/", cases.case_receipt, name="case_receipt"),
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
    path("p/<str:code>/", progress.progress_page, name="progress"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("p/<str:code>/rating/", progress.progress_rating, name="progress_rating"),
]
