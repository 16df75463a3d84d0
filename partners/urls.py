from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("new/", views.partner_create, name="create"),
    path("contacts/", views.contact_list, name="contacts"),
    path("library/", views.collateral_list, name="collateral"),
    path("onboarding-tracks/", views.onboarding_track_list, name="onboarding-tracks"),
    path("onboarding-tracks/new/", views.onboarding_track_create, name="onboarding-track-create"),
    path("onboarding-tracks/<int:pk>/", views.onboarding_track_detail, name="onboarding-track"),
    path("onboarding-tracks/<int:pk>/steps/new/", views.onboarding_step_template_create, name="onboarding-step-template-create"),
    path(
        "onboarding-tracks/<int:pk>/steps/<int:step_pk>/edit/",
        views.onboarding_step_template_edit,
        name="onboarding-step-template-edit",
    ),
    path(
        "onboarding-tracks/<int:pk>/steps/<int:step_pk>/delete/",
        views.onboarding_step_template_delete,
        name="onboarding-step-template-delete",
    ),
    path("<slug:slug>/", views.partner_detail, name="detail"),
    path("<slug:slug>/edit/", views.partner_edit, name="edit"),
    path("<slug:slug>/sections/<slug:key>/", views.partner_section, name="section"),
    path("<slug:slug>/archive/", views.partner_archive, name="archive"),
    path("<slug:slug>/contacts/", views.contact_list, name="partner-contacts"),
    path("<slug:slug>/contacts/new/", views.contact_create, name="contact-create"),
    path("<slug:slug>/contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("<slug:slug>/contracts/new/", views.contract_create, name="contract-create"),
    path("<slug:slug>/contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("<slug:slug>/risk/new/", views.risk_create, name="risk-create"),
    path("<slug:slug>/contracts/<int:pk>/document/", views.contract_document, name="contract-document"),
    path("<slug:slug>/library/new/", views.collateral_create, name="collateral-create"),
    path("<slug:slug>/library/<int:pk>/file/", views.collateral_file, name="collateral-file"),
    path("<slug:slug>/library/<int:pk>/brand-check/", views.collateral_brand_check, name="collateral-brand-check"),
    path("<slug:slug>/team/", views.partner_team, name="team"),
    path("<slug:slug>/team/<int:pk>/remove/", views.partner_team_remove, name="team-remove"),
    path("<slug:slug>/onboarding/start/", views.onboarding_start, name="onboarding-start"),
    path("<slug:slug>/onboarding/finish/", views.onboarding_finish, name="onboarding-finish"),
    path("<slug:slug>/onboarding/steps/<int:pk>/edit/", views.onboarding_step_edit, name="onboarding-step-edit"),
    path("<slug:slug>/onboarding/steps/<int:pk>/done/", views.onboarding_step_done, name="onboarding-step-done"),
]
