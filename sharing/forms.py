from django import forms

from sharing.models import DEFAULT_EXPIRY, Expiry

EXPIRY_CHOICE_ERROR = "Choose how long the link works: 1 day, 7 days, 30 days, 1 year or never."
PASSWORD_MIN_LENGTH = 8


class ExpiryField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Expires after")
        super().__init__(
            choices=Expiry.choices,
            initial=DEFAULT_EXPIRY,
            error_messages={"required": EXPIRY_CHOICE_ERROR, "invalid_choice": EXPIRY_CHOICE_ERROR},
            **kwargs,
        )


class ShareLinkForm(forms.Form):
    expiry = ExpiryField(widget=forms.RadioSelect)
    password = forms.CharField(
        label="Password (optional)",
        required=False,
        strip=False,
        min_length=PASSWORD_MIN_LENGTH,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="People opening the link will also need this password. Leave it empty for none.",
        error_messages={
            "min_length": f"Use at least {PASSWORD_MIN_LENGTH} characters, or leave it empty for no password.",
            "max_length": "Use at most 128 characters.",
        },
    )
    allow_download = forms.BooleanField(label="Allow download", required=False, initial=True)
    show_details = forms.BooleanField(
        label="Show prompt and details",
        required=False,
        initial=False,
        help_text="The prompt, the model and the cost, and the prompt in file names.",
    )
    label = forms.CharField(
        label="Label (only you see it)",
        required=False,
        max_length=200,
        help_text="To recognise the link in your list, e.g. who you sent it to.",
        error_messages={"max_length": "Keep the label under 200 characters."},
    )


class ExtendForm(forms.Form):
    expiry = ExpiryField(label="New expiry, counted from now")


class UnlockForm(forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Enter the password.", "max_length": "That password isn't right."},
    )
