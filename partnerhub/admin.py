from django.contrib import admin

from .models import Notification, ReminderSent

admin.site.site_header = "PartnerHub administration"
admin.site.site_title = "PartnerHub admin"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", "read_at"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    list_display = ["kind", "content_type", "object_id", "due_key", "sent_at", "recipients"]
    list_filter = ["kind"]
    search_fields = ["recipients", "due_key"]
    list_select_related = ["content_type"]
