from django.urls import path

from rapport.inboxes.adapters.chat import views

urlpatterns = [
    path("v1/inboxes/<str:public_key>/widget", views.widget, name="chat-widget"),
    path("v1/inboxes/<str:public_key>/sessions", views.sessions, name="chat-sessions"),
    path("v1/messages", views.messages, name="chat-messages"),
    path("v1/attachments", views.attachments, name="chat-attachments"),
    path("v1/contact", views.contact, name="chat-contact"),
    path("files/<str:signed>", views.chat_file, name="chat-file"),
]
