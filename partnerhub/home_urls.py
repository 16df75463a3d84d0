"""The home page is the reporting app's attention dashboard: "what needs me this week?"."""

from django.urls import path

from reporting.views import dashboard

urlpatterns = [path("", dashboard, name="home")]
