import uuid
from functools import cached_property

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

import openrouter
from core import aspect_ratios, image_formats
from core.ids import MAX_ID
from core.money import usd
from gallery import files
from gallery.forms import IdModelMultipleChoiceField
from gallery.models import Image
from imagegen import parameters as choices
from imagegen.exceptions import GenerationRefused
from imagegen.models import ImageModel, PendingReference
from imagegen.services import (
    MAX_COUNT,
    MAX_PROMPT_LENGTH,
    MAX_REFERENCES,
    ReferenceInput,
    generation_check,
    generation_estimate,
    pending_reference_input,
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
        one = generation_estimate(model=model)
        if one is None:
            return model.name
        if one.is_range:
            return f"{model.name} — up to {usd(one.high, price=True)} an image"
        return f"{model.name} — {usd(one.high, price=True)} an image"


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
    # The model's choices: each appears only where the chosen model offers it, with the model's values.
    count = forms.TypedChoiceField(
        label="Images",
        choices=[(n, str(n)) for n in range(1, MAX_COUNT + 1)],
        coerce=int,
        initial=1,
        error_messages={"invalid_choice": f"Ask for 1 to {MAX_COUNT} images."},
    )
    aspect_ratio = forms.ChoiceField(
        label="Aspect ratio", required=False, error_messages={"invalid_choice": INVALID_CHOICE}
    )
    image_size = forms.ChoiceField(
        label="Image size", required=False, error_messages={"invalid_choice": INVALID_CHOICE}
    )
    quality = forms.ChoiceField(
        label="Quality", required=False, error_messages={"invalid_choice": INVALID_CHOICE}
    )
    background = forms.ChoiceField(
        label="Background", required=False, error_messages={"invalid_choice": INVALID_CHOICE}
    )
    output_format = forms.ChoiceField(
        label="Output format", required=False, error_messages={"invalid_choice": INVALID_CHOICE}
    )
    seed = forms.IntegerField(
        label="Seed",
        required=False,
        help_text="Blank picks one at random; the same seed and choices draw the same picture again.",
        error_messages={"invalid": "The seed is a whole number, or blank for a random one."},
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
    # Uploads a refused submission kept (PendingReference), shown as thumbnails with a Remove button.
    kept_references = IdModelMultipleChoiceField(
        label="Kept reference images",
        queryset=PendingReference.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": "A reference image kept from your last try is gone (after a day unused, or "
            "already sent): attach it again."
        },
    )
    # ?edit=<image>: the banner names it, and only models that take images are offered.
    editing = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID)
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # Set by ?remix=<image>; the view checks the viewer may see that image before recording the lineage.
    remix_of = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID)

    def __init__(
        self,
        *args,
        models,
        pick_candidates,
        model_list: list[ImageModel] | None = None,
        pending=None,
        editing: Image | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.editing_image = editing
        if editing is not None:
            # Editing starts from the image: a model that takes no images could not use it.
            model_list = [
                model for model in (models if model_list is None else model_list) if model.accepts_images
            ]
        self.fields["model"].queryset = models
        self.fields["reference_picks"].queryset = pick_candidates
        self.fields["kept_references"].queryset = (
            pending if pending is not None else PendingReference.objects.none()
        )
        if not self.is_bound:
            self.initial.setdefault("submission_key", new_submission_key())
        # Read once (or handed over by the form just submitted): the page renders the list, and the
        # chosen model's ratios and sizes come from it.
        self.model_list = list(models) if model_list is None else model_list
        self.fields["model"].known_models = {str(model.pk): model for model in self.model_list}
        self.chosen_model = self._chosen_model()
        # Visible notes for choices the newly chosen model does not offer (reset to its default).
        self.resets: list[str] = []
        self.offer = self.chosen_model.offer() if self.chosen_model else None
        if self.offer is not None:
            self._follow_model()

    # The controls that follow the model, in the form's order (count first, beside the model).
    MODEL_FIELDS = ("count", "aspect_ratio", "image_size", "quality", "background", "output_format", "seed")

    def _follow_model(self) -> None:
        """Offer only what the chosen model takes, with its values; an unbound form (the page, or a
        switch of model) keeps each earlier choice the model also offers and resets the rest, saying so."""
        model, offer = self.chosen_model, self.offer
        limit = choices.count_limit(offer, MAX_COUNT)
        self.fields["count"].choices = [(n, str(n)) for n in range(1, limit + 1)]
        self.fields["count"].error_messages["invalid_choice"] = (
            f"{model.name} makes 1 to {limit} images at a time."
        )
        self._keep_or_reset(
            "count", str(self._value("count") or 1), [str(n) for n in range(1, limit + 1)], "1"
        )
        size_values = choices.offered_values(offer, "resolution")
        image_size = self._keep_or_reset(
            "image_size", self._value("image_size"), size_values, choices.default_value(offer, "resolution")
        )
        for field_name in ("aspect_ratio", "image_size", "quality", "background", "output_format"):
            name = choices.PARAMETER_OF[field_name]
            values = choices.offered_values(offer, name)
            if not values:
                continue
            self.fields[field_name].choices = [
                (value, self._choice_label(name, value, image_size)) for value in values
            ]
            if field_name != "image_size":
                self._keep_or_reset(
                    field_name, self._value(field_name), values, choices.default_value(offer, name)
                )
        bounds = choices.seed_bounds(offer)
        if bounds:
            seed = self.fields["seed"]
            self.fields["seed"] = forms.IntegerField(
                label=seed.label, required=False, min_value=bounds[0], max_value=bounds[1],
                help_text=seed.help_text, error_messages=seed.error_messages,
            )  # fmt: skip
        elif not self.is_bound and self._value("seed") not in (None, ""):
            self.resets.append(f"{model.name} takes no seed: it picks its own.")
            self.initial["seed"] = None

    def _keep_or_reset(self, field_name: str, value, values, default: str) -> str:
        """The value the form starts from: the earlier one where the model offers it, else the default."""
        if self.is_bound:
            return value or ""
        label = self.fields[field_name].label
        if value not in (None, "") and str(value) not in values:
            if values:
                self.resets.append(
                    f"{label} is back to {default}: {self.chosen_model.name} does not offer {value}."
                )
            else:
                self.resets.append(
                    f"{self.chosen_model.name} has no {label} choice, so {value} no longer applies."
                )
        kept = str(value) if value not in (None, "") and str(value) in values else default
        self.initial[field_name] = kept
        return kept

    @staticmethod
    def _choice_label(name: str, value: str, image_size: str) -> str:
        if name == "aspect_ratio":
            return aspect_ratios.aspect_ratio_label(value, image_size or aspect_ratios.DEFAULT_IMAGE_SIZE)
        return {"png": "PNG", "webp": "WebP", "jpeg": "JPEG"}.get(
            value, value.capitalize() if name != "resolution" else value
        )

    @property
    def model_controls(self) -> list:
        """(bound field, its options) for each control the chosen model offers, in order (count always:
        several requests where the model makes one image a request)."""
        if self.offer is None:
            return []
        shown = [name for name in self.MODEL_FIELDS if name == "count" or self._offers(name)]
        return [(self[name], self.options.get(name, [])) for name in shown]

    @property
    def unoffered_errors(self) -> list:
        """Errors of values the chosen model does not offer at all (sent by hand, or a stale page)."""
        shown = {field.name for field, _ in self.model_controls}
        return [self[name] for name in self.MODEL_FIELDS if name not in shown and self[name].errors]

    def _offers(self, field_name: str) -> bool:
        if field_name == "seed":
            return choices.seed_bounds(self.offer) is not None
        return bool(choices.offered_values(self.offer, choices.PARAMETER_OF[field_name]))

    @cached_property
    def estimate(self):
        """What the request as chosen is expected to cost (None: the model has no published price)."""
        if self.chosen_model is None:
            return None
        chosen = {name: str(self[name].value() or "") for name in self.MODEL_FIELDS if name != "seed"}
        try:
            count = int(chosen.pop("count") or 1)
        except ValueError:
            count = 1
        return generation_estimate(
            model=self.chosen_model,
            prompt=str(self["prompt"].value() or ""),
            aspect_ratio=chosen["aspect_ratio"] if self._offers("aspect_ratio") else "",
            image_size=chosen["image_size"] if self._offers("image_size") else "",
            count=count,
            parameters={"quality": chosen["quality"]},
        )

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
            **{name: self.fields[name].choices for name in self.MODEL_FIELDS if name != "seed"},
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
    def offers_references(self) -> bool:
        return bool(self.chosen_model and self.chosen_model.accepts_images)

    @property
    def any_model_takes_references(self) -> bool:
        return any(model.accepts_images for model in self.model_list)

    def add_kept(self, pending: list[PendingReference]) -> None:
        """Uploads the view has just kept for this refused form: shown with the earlier ones."""
        self.kept.extend(pending)

    @cached_property
    def kept(self) -> list[PendingReference]:
        """The kept uploads the form shows: those the submission named (the view adds new ones)."""
        if not self.is_bound or not self["kept_references"].data:
            return list(self.initial.get("kept_references") or [])
        wanted = {int(pk) for pk in self["kept_references"].value() or [] if str(pk).isdigit()}
        return [pending for pending in self.fields["kept_references"].queryset if pending.pk in wanted]

    def clean(self):
        cleaned = super().clean()
        model = cleaned.get("model")
        if model is None or self.errors:
            return cleaned
        # Nothing picked: the field's empty queryset is not even built into SQL.
        picks = cleaned.get("reference_picks") if self["reference_picks"].data else []
        kept = cleaned.get("kept_references") if self["kept_references"].data else []
        references = (
            [pending_reference_input(pending) for pending in kept]
            + list(cleaned.get("reference_uploads") or [])
            + [self._picked_reference(image) for image in picks]
        )
        try:
            generation_check(
                model=model,
                prompt=cleaned.get("prompt", ""),
                aspect_ratio=cleaned.get("aspect_ratio", ""),
                image_size=cleaned.get("image_size", ""),
                count=cleaned.get("count", 1),
                parameters=self._parameters(cleaned),
                reference_count=len(references),
            )
        except GenerationRefused as refused:
            self.add_error(refused.field, refused.message)
        cleaned["references"] = references
        return cleaned

    @staticmethod
    def _parameters(cleaned: dict) -> dict:
        return {name: cleaned.get(name) for name in ("seed", "quality", "background", "output_format")}

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
            "parameters": self._parameters(data),
            "references": data["references"],
            "submission_key": data.get("submission_key", ""),
        }
