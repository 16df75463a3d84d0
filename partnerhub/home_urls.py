"""The home page. The reporting app's attention dashboard takes this over when it lands."""

from django.urls import path

from . import home

urlpatterns = [path("", home.home, name="home")]
