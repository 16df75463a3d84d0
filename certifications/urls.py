from django.urls import path

from . import views

app_name = "certifications"

urlpatterns = [
    path("", views.compliance_overview, name="overview"),
    path("catalog/", views.certification_list, name="catalog"),
    path("holdings/", views.holding_list, name="holdings"),
    path("holdings/new/", views.holding_create, name="holding-create"),
    path("holdings/import/", views.holding_import, name="import"),
    path("holdings/<int:pk>/edit/", views.holding_edit, name="holding-edit"),
    path("holdings/<int:pk>/delete/", views.holding_delete, name="holding-delete"),
    path("holdings/<int:pk>/certificate/", views.holding_certificate, name="holding-certificate"),
    path("mine/", views.my_holdings, name="mine"),
    path("partners/<slug:slug>/program-status/", views.program_status_edit, name="program-status-edit"),
]
