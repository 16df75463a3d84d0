from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_feed, name="feed"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/follow-up-done/", views.follow_up_done, name="follow-up-done"),
    path("follow-ups/", views.my_follow_ups, name="follow-ups"),
    path("tasks/", views.team_tasks, name="tasks"),
    path("tasks/mine/", views.my_tasks, name="tasks-mine"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/done/", views.task_complete, name="task-done"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task-reopen"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task-reassign"),
    path("people/", views.people, name="people"),
    path("sync-meetings/", views.sync_meetings, name="sync-meetings"),
    path("partner/<slug:slug>/", views.partner_timeline, name="timeline"),
    path("partner/<slug:slug>/quick-log/", views.quick_log, name="quick-log"),
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/new/", views.opportunity_create, name="opportunity-create"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity-edit"),
    path("registrations/", views.registration_list, name="registrations"),
    path("registrations/expiring/", views.registrations_expiring, name="registrations-expiring"),
    path("registrations/new/", views.registration_create, name="registration-create"),
    path("registrations/<int:pk>/", views.registration_edit, name="registration-edit"),
    path("registrations/<int:pk>/transition/", views.registration_transition, name="registration-transition"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/calendar/", views.campaign_calendar, name="campaign-calendar"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/brand-check/", views.campaign_brand_check, name="campaign-brand-check"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/initiatives/<int:pk>/edit/", views.initiative_edit, name="initiative-edit"),
    path("plans/<slug:slug>/<str:quarter>/", views.plan_detail, name="plan"),
    path("plans/<slug:slug>/<str:quarter>/save/", views.plan_save, name="plan-save"),
    path("plans/<slug:slug>/<str:quarter>/initiatives/new/", views.initiative_create, name="initiative-create"),
]
