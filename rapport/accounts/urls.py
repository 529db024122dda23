"""Sign-in, password and settings pages (the settings area is for admins only)."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, reverse_lazy
from django.views.generic import RedirectView

from rapport.accounts.views import (
    agents,
    auth,
    invitation,
    quarantine,
    second_step,
    sign_in,
    sso,
    teams,
    tokens,
)

password_pages = [
    path(
        "password/reset",
        auth.LimitedPasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/emails/password_reset.txt",
            subject_template_name="accounts/emails/password_reset_subject.txt",
            extra_email_context={"product": "Rapport"},
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "password/change",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
]

settings_pages: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="settings_inboxes"), name="settings"),
    path("inboxes/", include("rapport.inboxes.urls")),
    path("agents/", agents.agent_list, name="settings_agents"),
    path("agents/new", agents.agent_new, name="settings_agent_new"),
    path("agents/<int:agent_id>", agents.agent_edit, name="settings_agent"),
    path("agents/<int:agent_id>/active", agents.agent_active, name="settings_agent_active"),
    path(
        "agents/<int:agent_id>/two-factor/reset",
        agents.agent_two_factor_reset,
        name="settings_agent_two_factor_reset",
    ),
    path(
        "invitations/<int:invitation_id>/<str:change>",
        agents.invitation_change,
        name="settings_invitation_change",
    ),
    path("teams/", teams.team_list, name="settings_teams"),
    path("teams/new", teams.team_new, name="settings_team_new"),
    path("teams/<int:team_id>", teams.team_edit, name="settings_team"),
    path("tokens/", tokens.token_list, name="settings_tokens"),
    path("quarantine/", quarantine.quarantine_list, name="settings_quarantine"),
    path(
        "quarantine/<str:key>/raw",
        quarantine.quarantine_download,
        name="settings_quarantine_download",
    ),
    path(
        "quarantine/<str:key>/retry", quarantine.quarantine_retry, name="settings_quarantine_retry"
    ),
    path("tokens/<int:token_id>/revoke", tokens.token_revoke, name="settings_token_revoke"),
    path("sign-in", sign_in.sign_in_settings, name="settings_sign_in"),
]

urlpatterns = [
    path("login", auth.SignInView.as_view(), name="login"),
    path("login/code", second_step.code_step, name="login_code"),
    path("login/enrol", second_step.enrol_step, name="login_enrol"),
    path("login/sso", sso.start, name="login_sso"),
    path("login/sso/callback", sso.callback, name="login_sso_callback"),
    path("invitations/<str:secret>", invitation.accept, name="invitation_accept"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    *password_pages,
    path("settings/", include(settings_pages)),
]
