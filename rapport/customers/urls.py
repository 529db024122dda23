"""The customer pages of the agent app."""

from django.urls import path

from rapport.customers import views

urlpatterns = [
    path("customers/duplicates", views.duplicates_page, name="customer_duplicates"),
    path("customers/<int:customer_id>", views.customer_page, name="customer"),
    path(
        "customers/<int:customer_id>/merge/<int:other_id>",
        views.merge_page,
        name="customer_merge",
    ),
    path(
        "customers/<int:customer_id>/not-duplicate/<int:other_id>",
        views.not_duplicate,
        name="customer_not_duplicate",
    ),
]
