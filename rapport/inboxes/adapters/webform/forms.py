from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from rapport.core.inbound import problem_in


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(label="E-mail", max_length=254)
    subject = forms.CharField(max_length=200, required=False)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    attachment = forms.FileField(required=False)
    # A honeypot: hidden from people by CSS, filled in by bots that fill every field.
    website = forms.CharField(required=False, label="Leave this empty")

    def clean(self) -> dict[str, Any]:
        """The check every inbound path makes (NUL, lone surrogates) on every text field."""
        cleaned = super().clean() or {}
        for name, value in cleaned.items():
            problem = problem_in(value) if isinstance(value, str) else ""
            if problem:
                self.add_error(name, f"This field {problem}.")
        return cleaned

    def clean_message(self) -> str:
        text: str = self.cleaned_data["message"].strip()
        if len(text) > settings.RAPPORT_MAX_MESSAGE_CHARS:
            raise forms.ValidationError(
                f"Please keep it under {settings.RAPPORT_MAX_MESSAGE_CHARS} characters."
            )
        return text

    def clean_attachment(self) -> object:
        upload = self.cleaned_data.get("attachment")
        limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES
        if upload is not None and upload.size > limit:
            raise forms.ValidationError(f"Attachments can be at most {limit // 1024 // 1024} MB.")
        return upload
