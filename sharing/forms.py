from django import forms

from sharing.models import DEFAULT_EXPIRY, Expiry, ShareLink

_EXPIRY_LABELS = [str(label).lower() for label in Expiry.labels]
EXPIRY_CHOICE_ERROR = (
    f"Choose how long the link works: {', '.join(_EXPIRY_LABELS[:-1])} or {_EXPIRY_LABELS[-1]}."
)
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
LABEL_MAX_LENGTH = ShareLink._meta.get_field("label").max_length


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
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="People opening the link will also need this password. Leave it empty for none.",
        error_messages={
            "min_length": f"Use at least {PASSWORD_MIN_LENGTH} characters, or leave it empty for no password.",
            "max_length": f"Use at most {PASSWORD_MAX_LENGTH} characters.",
        },
    )
    allow_download = forms.BooleanField(label="Allow download", required=False, initial=True)
    show_details = forms.BooleanField(
        label="Show prompt and details",
        required=False,
        initial=False,
        help_text="The prompt and the model, and the prompt in file names.",
    )
    show_cost = forms.BooleanField(
        label="Show cost",
        required=False,
        initial=False,
        help_text="What each image cost the team. Off: people with the link never see it.",
    )
    label = forms.CharField(
        label="Label (only you see it)",
        required=False,
        max_length=LABEL_MAX_LENGTH,
        help_text="To recognise the link in your list, e.g. who you sent it to.",
        error_messages={"max_length": f"Keep the label under {LABEL_MAX_LENGTH} characters."},
    )


class ExtendForm(forms.Form):
    expiry = ExpiryField(label="New expiry, counted from now")


class UnlockForm(forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Enter the password.", "max_length": "That password isn't right."},
    )
