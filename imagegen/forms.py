import uuid
from functools import cached_property

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

import openrouter
from core import aspect_ratios, image_formats
from core.ids import MAX_ID
from gallery import files
from gallery.forms import IdModelMultipleChoiceField
from gallery.models import Image
from imagegen.exceptions import GenerationRefused
from imagegen.models import ImageModel
from imagegen.services import (
    MAX_COUNT,
    MAX_PROMPT_LENGTH,
    MAX_REFERENCES,
    ReferenceInput,
    generation_check,
)
from openrouter import imagecheck

INVALID_CHOICE = "%(value)s is not offered by this model: choose one from the list."


def new_submission_key() -> str:
    """A fresh key for the form's next submission: a double-click sends the same one twice."""
    return uuid.uuid4().hex


class ModelChoiceField(forms.ModelChoiceField):
    # The form reads the enabled models once; a submission's choice is found among them, not by a query.
    known_models: dict[str, ImageModel] | None = None

    def to_python(self, value):
        if value in self.empty_values or self.known_models is None:
            return super().to_python(value)
        try:
            return self.known_models[str(value)]
        except KeyError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None

    def label_from_instance(self, model: ImageModel) -> str:
        if model.price_per_image is None:
            return model.name
        return f"{model.name} — ${model.price_per_image:.3f} per image"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def reference_limit_mb() -> int:
    """settings.MAX_REFERENCE_BYTES as the whole megabytes the form's help and errors state."""
    return settings.MAX_REFERENCE_BYTES // 1_000_000


class ReferenceUploadField(forms.FileField):
    """Several uploaded reference images, each checked to be a whole PNG, JPEG or WebP of at most
    settings.MAX_REFERENCE_BYTES."""

    widget = MultipleFileInput(attrs={"accept": ",".join(image_formats.MIME_TYPES.values())})

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        if not uploads and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        # Count and declared sizes first: decoding is the expensive part, and nothing is decoded for a
        # request that breaks either rule.
        if len(uploads) > MAX_REFERENCES:
            raise forms.ValidationError(
                f"Use at most {MAX_REFERENCES} reference images (you sent {len(uploads)})."
            )
        for upload in uploads:
            if upload.size > settings.MAX_REFERENCE_BYTES:
                raise forms.ValidationError(
                    f"{upload.name or 'The upload'} is {upload.size / 1_000_000:.1f} MB; "
                    f"reference images can be at most {reference_limit_mb()} MB."
                )
        return [self._check(upload) for upload in uploads]

    def _check(self, upload) -> ReferenceInput:
        name = upload.name or "The upload"
        data = upload.read()
        mime_type = image_formats.sniff_mime_type(data)
        if not mime_type:
            raise forms.ValidationError(f"{name} is not a PNG, JPEG or WebP image.")
        try:
            checked = imagecheck.inspect_image(
                data, declared_mime=mime_type, max_pixels=settings.MAX_IMAGE_PIXELS
            )
        except openrouter.ImageRejected as rejected:
            raise forms.ValidationError(f"{name} was not accepted: {rejected.reason}.") from None
        return ReferenceInput(
            data=data,
            mime_type=mime_type,
            image_format=checked.format,
            width=checked.width,
            height=checked.height,
        )


class GenerateForm(forms.Form):
    prompt = forms.CharField(
        label="Prompt",
        max_length=MAX_PROMPT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Describe the image you want…"}),
        error_messages={"required": "Write a prompt describing the image."},
    )
    model = ModelChoiceField(
        label="Model",
        queryset=ImageModel.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "That model is not available: pick one from the list."},
    )
    aspect_ratio = forms.ChoiceField(label="Aspect ratio", error_messages={"invalid_choice": INVALID_CHOICE})
    image_size = forms.ChoiceField(label="Image size", error_messages={"invalid_choice": INVALID_CHOICE})
    count = forms.TypedChoiceField(
        label="Images",
        choices=[(n, str(n)) for n in range(1, MAX_COUNT + 1)],
        coerce=int,
        initial=1,
        error_messages={"invalid_choice": f"Ask for 1 to {MAX_COUNT} images."},
    )
    reference_uploads = ReferenceUploadField(
        label="Reference images",
        required=False,
        # Lazy, so it states the limit in the settings as they are when the page renders.
        help_text=lazy(lambda: f"PNG, JPEG or WebP, up to {reference_limit_mb()} MB each.", str)(),
    )
    # Rendered by the template as thumbnails with checkboxes (the widget machinery is slow for this).
    reference_picks = IdModelMultipleChoiceField(
        label="Or pick from the gallery", queryset=Image.objects.none(), required=False
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # Set by ?remix=<image>; the view checks the viewer may see that image before recording the lineage.
    remix_of = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, models, pick_candidates, model_list: list[ImageModel] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = models
        self.fields["reference_picks"].queryset = pick_candidates
        if not self.is_bound:
            self.initial.setdefault("submission_key", new_submission_key())
        # Read once (or handed over by the form just submitted): the page renders the list, and the
        # chosen model's ratios and sizes come from it.
        self.model_list = list(models) if model_list is None else model_list
        self.fields["model"].known_models = {str(model.pk): model for model in self.model_list}
        self.chosen_model = self._chosen_model()
        image_size = self._value("image_size") or aspect_ratios.DEFAULT_IMAGE_SIZE
        if self.chosen_model:
            if image_size not in self.chosen_model.image_sizes:
                image_size = self.chosen_model.image_sizes[0] if self.chosen_model.image_sizes else ""
            self.fields["aspect_ratio"].choices = [
                (ratio, aspect_ratios.aspect_ratio_label(ratio, image_size))
                for ratio in self.chosen_model.aspect_ratios
            ]
            self.fields["image_size"].choices = [(size, size) for size in self.chosen_model.image_sizes]
            self.initial.setdefault("image_size", image_size)
            if aspect_ratios.DEFAULT_ASPECT_RATIO in self.chosen_model.aspect_ratios:
                self.initial.setdefault("aspect_ratio", aspect_ratios.DEFAULT_ASPECT_RATIO)

    def _value(self, name: str):
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    def _chosen_model(self) -> ImageModel | None:
        chosen = self._value("model")
        if isinstance(chosen, ImageModel):
            return chosen
        by_pk = self.fields["model"].known_models
        if chosen and str(chosen) in by_pk:
            return by_pk[str(chosen)]
        default = next((model for model in self.model_list if model.is_default), None)
        default = default or next(iter(self.model_list), None)
        if default and not self.is_bound:
            self.initial["model"] = default.pk
        return default

    @cached_property
    def options(self) -> dict[str, list[tuple[str, str, bool]]]:
        """(value, label, selected) for each select; the template writes the <option>s itself, as
        Django's widget templates (an include per option) cost more than the rest of the page."""
        model_field = self.fields["model"]
        choices = {
            "model": [(model.pk, model_field.label_from_instance(model)) for model in self.model_list],
            **{name: self.fields[name].choices for name in ("aspect_ratio", "image_size", "count")},
        }
        options = {}
        for name, field_choices in choices.items():
            selected = str(self[name].value())
            options[name] = [(str(value), label, str(value) == selected) for value, label in field_choices]
        return options

    @cached_property
    def pick_candidates(self) -> list[Image]:
        return list(self.fields["reference_picks"].queryset)

    @cached_property
    def picked_ids(self) -> set[int]:
        value = self["reference_picks"].value() or []
        return {int(pk) for pk in value if str(pk).isdigit()}

    @property
    def shows_image_size(self) -> bool:
        return bool(self.chosen_model and len(self.chosen_model.image_sizes) > 1)

    @property
    def offers_references(self) -> bool:
        return bool(self.chosen_model and self.chosen_model.accepts_images)

    def clean(self):
        cleaned = super().clean()
        model = cleaned.get("model")
        if model is None or self.errors:
            return cleaned
        # Nothing picked: the field's empty queryset is not even built into SQL.
        picks = cleaned.get("reference_picks") if self["reference_picks"].data else []
        references = list(cleaned.get("reference_uploads") or []) + [
            self._picked_reference(image) for image in picks
        ]
        try:
            generation_check(
                model=model,
                prompt=cleaned.get("prompt", ""),
                aspect_ratio=cleaned.get("aspect_ratio", ""),
                image_size=cleaned.get("image_size", ""),
                count=cleaned.get("count", 1),
                reference_count=len(references),
            )
        except GenerationRefused as refused:
            self.add_error(refused.field, refused.message)
        cleaned["references"] = references
        return cleaned

    @staticmethod
    def _picked_reference(image: Image) -> ReferenceInput:
        return ReferenceInput(
            data=files.read_file(name=image.file_name),
            mime_type=image.mime_type,
            image_format=image.format,
            width=image.width,
            height=image.height,
            source_image=image,
        )

    def generation_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "model": data["model"],
            "prompt": data["prompt"],
            "aspect_ratio": data["aspect_ratio"],
            "image_size": data["image_size"],
            "count": data["count"],
            "references": data["references"],
            "submission_key": data.get("submission_key", ""),
        }
