"""Customers, the addresses they reach us from (identities), and their companies."""

from __future__ import annotations

from typing import Any

from django.db import models

from rapport.customers.names import KEY_LENGTH, name_key


class Company(models.Model):
    """The organisation a customer belongs to."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class NameKeyField(models.CharField):
    """The customer's ``name_key``, taken from ``name`` whenever the row is written.

    A derived column, like ``auto_now``: computed in ``pre_save`` so that every insert
    (``save``, ``create``, ``bulk_create``, ``core.rows.insert``) has it; an update of
    ``name`` lists ``name_key`` among its fields (the actions do).
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = name_key(model_instance.name)  # type: ignore[attr-defined]
        setattr(model_instance, self.attname, value)
        return value


class Customer(models.Model):
    """One person, however many channels they write from."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)  # the preferred address for replies
    phone = models.CharField(max_length=32, blank=True)
    # What possible duplicates compare names by (``names.name_key``); "" for one word.
    name_key = NameKeyField(max_length=KEY_LENGTH, blank=True, default="", editable=False)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # What possible duplicates are looked up by (``customers.duplicates``); the e-mail
        # has its index above, identities theirs on (kind, address).
        indexes = [
            models.Index(fields=["phone"], name="customer_phone"),
            models.Index(fields=["name_key"], name="customer_name_key"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.phone or f"Customer {self.pk}"


class IdentityKind(models.TextChoices):
    """The address kinds every installation has; channels may add their own
    (``customers.addresses``), so the field below takes any registered kind."""

    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    API = "api", "External id"
    VISITOR = "visitor", "Website visitor"  # a live-chat widget session or a verified site user


class Identity(models.Model):
    """An address a customer reaches us from: an e-mail, an E.164 phone number, an external id.

    Addresses are stored normalised (see ``identities.normalize_address``) and are unique per
    kind, so the same address always finds the same customer.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16)
    address = models.CharField(max_length=320)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "address"], name="identity_unique_address")
        ]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"{self.kind}:{self.address}"

    @property
    def kind_label(self) -> str:
        from rapport.customers.addresses import label

        return label(self.kind)

    @property
    def kind_icon(self) -> str:
        from rapport.customers.addresses import icon

        return icon(self.kind)


class DismissedDuplicate(models.Model):
    """Two customers an agent said are *not the same person*: never suggested again.

    The pair is unordered, so it is stored with the lower customer id first and is unique
    on the two: dismissing it again from either side finds the same row.
    """

    first = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="dismissed_duplicate_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")),
                name="dismissed_duplicate_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} is not {self.second_id}"

    @staticmethod
    def ordered(one: int, other: int) -> tuple[int, int]:
        """The pair as stored: the lower id first."""
        return (one, other) if one < other else (other, one)
