import re

from django import forms
from django.contrib.auth.forms import UserCreationForm

from team import selectors

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")


class MonthForm(forms.Form):
    """Which month the dashboard shows (`?month=2026-07`); empty means this month."""

    month = forms.CharField(
        label="Month",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def clean_month(self) -> selectors.Month | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = MONTH_PATTERN.fullmatch(value)
        if not match or not (2000 <= int(match[1]) <= 2999 and 1 <= int(match[2]) <= 12):
            raise forms.ValidationError(f"“{value}” is not a month: use the form YYYY-MM, such as 2026-07.")
        return selectors.Month(int(match[1]), int(match[2]))


class SignUpForm(UserCreationForm):
    """Username and password for a new member; Django's password validators apply."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")
        self.fields["password1"].widget.attrs.update(autocomplete="new-password")
        self.fields["password2"].widget.attrs.update(autocomplete="new-password")


class InviteCreateForm(forms.Form):
    note = forms.CharField(
        label="Who is it for? (optional)",
        required=False,
        max_length=200,
        help_text="Only admins see this, in the list of invites.",
    )
