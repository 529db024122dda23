from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_verified_tokens(**_: Any) -> None:
    from rapport.accounts.tokens import forget_verified_tokens

    forget_verified_tokens()


class AccountsConfig(AppConfig):
    name = "rapport.accounts"
    label = "accounts"

    def ready(self) -> None:
        # A changed user (role, deactivated) or token must not stay verified in memory.
        for model in (self.get_model("User"), self.get_model("ApiToken")):
            post_save.connect(_forget_verified_tokens, sender=model, dispatch_uid=f"tokens.{model}")
            post_delete.connect(
                _forget_verified_tokens, sender=model, dispatch_uid=f"tokens.del.{model}"
            )
