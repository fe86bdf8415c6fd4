"""Forms: the gallery's search and filters (from the URL), selections of images, and collections."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

from core import aspect_ratios
from core.ids import MAX_ID, parse_id
from gallery.models import Collection
from gallery.selectors import MAX_SELECTION, NEWEST, SORTS, Cursor, GalleryQuery


class QuickSelect(forms.Select):
    """A <select> built in Python. Django's template-rendered Select renders two templates per option,
    which made the gallery's filter menus a fifth of the page's time; the markup is the same."""

    def render(self, name, value, attrs=None, renderer=None):
        current = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) == current else "", label) for key, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


BAD_DATE = "Enter a date as YYYY-MM-DD, for example 2026-11-27."
BAD_CHOICE = "Choose one of the listed options."


class GalleryFilterForm(forms.Form):
    """Reads a gallery view from query parameters; a bad value gets a message beside its field.

    Model and member are free text (not choices), so validating a URL needs no query; the select
    widgets get their options only when the whole page is rendered.
    """

    q = forms.CharField(label="Search", required=False, max_length=200, widget=forms.SearchInput)
    model = forms.CharField(label="Model", required=False, max_length=200, widget=QuickSelect)
    member = forms.CharField(label="Member", required=False, max_length=150, widget=QuickSelect)
    ratio = forms.ChoiceField(
        label="Aspect ratio",
        required=False,
        choices=[("", "Any ratio"), *((ratio, ratio) for ratio in aspect_ratios.STANDARD_ASPECT_RATIOS)],
        widget=QuickSelect,
        error_messages={"invalid_choice": BAD_CHOICE},
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": BAD_DATE},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": BAD_DATE},
    )
    favourites = forms.BooleanField(label="My favourites", required=False)
    mine = forms.BooleanField(label="Mine", required=False)
    credentials = forms.BooleanField(label="Has Content Credentials", required=False)
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=list(SORTS.items()),
        error_messages={"invalid_choice": BAD_CHOICE},
    )
    # Set on image pages opened from a collection, so ← and → stay inside it.
    collection = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, label_suffix="", **kwargs)
        self.offer_choices(models=(), members=())
        for name, field in self.fields.items():
            # Each field's message has a stable element to live in (htmx swaps it in out of band).
            field.widget.attrs.setdefault("aria-describedby", f"id_{name}-error")

    def offer_choices(self, *, models, members) -> None:
        """Fill the model and member menus (only needed when the whole page, with the form, is shown)."""
        models = list(models)
        members = [(name, name) for name in members]
        # A value from a shared link that no longer exists still shows as chosen, so the page doesn't lie.
        if (model := self.data.get("model")) and model not in dict(models):
            models.append((model, model))
        if (member := self.data.get("member")) and member not in dict(members):
            members.append((member, member))
        self.fields["model"].widget.choices = [("", "Any model"), *models]
        self.fields["member"].widget.choices = [("", "Anyone"), *members]

    def clean_cursor(self) -> Cursor | None:
        text = self.cleaned_data["cursor"]
        if not text:
            return None
        try:
            return Cursor.decode(text)
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                "This page link is out of date; showing the first page instead.", code="bad_cursor"
            ) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to", forms.ValidationError("The end date is before the start date.", code="date_order")
            )
        return cleaned

    def gallery_query(self, *, collection_id: int | None = None) -> GalleryQuery:
        """The view the valid fields describe: a field with an error is left out, not the whole search.

        `collection_id` comes from a collection page's own URL and wins over the `collection` parameter.
        """
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = self.cleaned_data
        return GalleryQuery(
            text=data.get("q") or "",
            model=data.get("model") or "",
            member=data.get("member") or "",
            aspect_ratio=data.get("ratio") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            favourites=bool(data.get("favourites")),
            mine=bool(data.get("mine")),
            credentials=bool(data.get("credentials")),
            sort=data.get("sort") or NEWEST,
            collection_id=collection_id or data.get("collection"),
        )

    def page_cursor(self) -> Cursor | None:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get("cursor")


class ImageIdsField(forms.Field):
    """Several image ids from checkboxes (`image=1&image=2`)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one image first.",
        "invalid": "That selection is not a list of images.",
        "too_many": f"Select at most {MAX_SELECTION} images at a time.",
    }

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids = [parse_id(item) for item in values]
        if None in ids:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        ids = sorted(set(ids))
        if len(ids) > MAX_SELECTION:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        return ids


class IdModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose value must be a database id before any query is made."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several ids of one model: each must be a database id before the `pk__in` query is made, which
    Django does not range-check (a 20-digit number overflowed the driver)."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class SelectionForm(forms.Form):
    image = ImageIdsField()


class AddToCollectionForm(SelectionForm):
    collection = IdModelChoiceField(
        label="Collection",
        queryset=Collection.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose a collection to add to.",
            "invalid_choice": "Choose one of your collections.",
        },
    )

    def __init__(self, data=None, *, collections, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["collection"].queryset = collections


class FavouriteForm(forms.Form):
    favourite = forms.TypedChoiceField(
        choices=[("1", "Favourite"), ("0", "Not a favourite")], coerce=lambda v: v == "1"
    )


class CollectionForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    class Meta:
        model = Collection
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"description": "Optional: what the collection is for."}
