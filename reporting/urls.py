from django.urls import path

from . import review_views, views

app_name = "reporting"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("search/", views.search, name="search"),
    path("attention/<slug:name>/", views.attention_panel, name="attention-panel"),
    path("reports/", views.report_list, name="reports"),
    path("reports/new/", views.report_create, name="report-create"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/lines/add/", views.line_add, name="line-add"),
    path("reports/<int:pk>/lines/<int:line_pk>/edit/", views.line_edit, name="line-edit"),
    path("reports/<int:pk>/lines/<int:line_pk>/delete/", views.line_delete, name="line-delete"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report-submit"),
    path("reports/<int:pk>/acknowledge/", views.report_acknowledge, name="report-acknowledge"),
    path("reports/<int:pk>/start-from-last-month/", views.report_copy_previous, name="report-copy-previous"),
    path("agreements/<slug:slug>/", views.agreement_edit, name="agreement-edit"),
    path("health/", views.health, name="health"),
    path("health/refresh/", views.health_refresh, name="health-refresh"),
    path("overview/", views.overview_page, name="overview"),
    path("kpis/", review_views.kpi_page, name="kpis"),
    path("reviews/", review_views.review_list, name="reviews"),
    path("reviews/<int:pk>/", review_views.review_detail, name="review"),
    path("reviews/<int:pk>/print/", review_views.review_print, name="review-print"),
    path("reviews/<int:pk>/review.pdf", review_views.review_pdf, name="review-pdf"),
    path("reviews/<int:pk>/edit/", review_views.review_edit, name="review-edit"),
    path("reviews/<int:pk>/refresh/", review_views.review_refresh, name="review-refresh"),
    path("reviews/<int:pk>/action-items/add/", review_views.review_action_add, name="review-action-add"),
    path("reviews/<slug:slug>/<str:quarter>/", review_views.review_for, name="review-for"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar-reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
