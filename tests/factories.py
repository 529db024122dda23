"""factory_boy factories for the domain model."""

from __future__ import annotations

import factory
from django.utils import timezone

from rapport.accounts.models import Role, Team, User
from rapport.conversations.models import Conversation, Direction, Message, Status
from rapport.customers.models import Customer, Identity, IdentityKind
from rapport.inboxes.models import Inbox, InboxKind

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@shop.example")
    name = factory.Sequence(lambda n: f"Agent {n}")
    role = Role.AGENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class InboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inbox

    name = factory.Sequence(lambda n: f"Inbox {n}")
    kind = InboxKind.WEBFORM


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@mail.example")

    @factory.post_generation
    def identity(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.email:
            Identity.objects.create(customer=self, kind=IdentityKind.EMAIL, address=self.email)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    inbox = factory.SubFactory(InboxFactory)
    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Faker("sentence", nb_words=5)
    status = Status.OPEN
    created_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    inbox = factory.LazyAttribute(lambda m: m.conversation.inbox)
    direction = Direction.INBOUND
    text = factory.Faker("paragraph")
    created_at = factory.LazyFunction(timezone.now)
