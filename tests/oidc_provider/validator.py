"""Puts the person's e-mail and name in the ID token, as Google, Entra or Okta do."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class EmailValidator(OAuth2Validator):  # type: ignore[misc]
    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        # ``last_name`` holds "unverified" for the person whose address the provider never
        # checked (a test refuses them).
        return {
            "email": user.email,
            "email_verified": user.last_name != "unverified",
            "name": user.first_name,
        }
