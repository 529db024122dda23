from django.urls import path

from rapport.inboxes.adapters.webform import views

urlpatterns = [path("<str:public_key>", views.contact_page, name="webform")]
