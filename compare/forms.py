from django import forms

from compare.models import MAX_MODELS, MIN_MODELS
from compare.services import BoardRefused, board_check, board_estimate, board_plan
from core import aspect_ratios
from core.money import usd
from imagegen import parameters as choices
from imagegen.forms import new_submission_key
from imagegen.models import ImageModel
from imagegen.services import MAX_PROMPT_LENGTH

DEFAULT_CHOICE = ("", "Each model's default")
NOT_OFFERED = "No enabled model offers %(value)s: choose one from the list."


class ModelsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, model: ImageModel) -> str:
        return model.name


class CompareForm(forms.Form):
    prompt = forms.CharField(
        label="Prompt",
        max_length=MAX_PROMPT_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Describe the image every model should make…"}
        ),
        error_messages={"required": "Write a prompt describing the image."},
    )
    aspect_ratio = forms.ChoiceField(
        label="Aspect ratio", required=False, error_messages={"invalid_choice": NOT_OFFERED}
    )
    image_size = forms.ChoiceField(
        label="Image size", required=False, error_messages={"invalid_choice": NOT_OFFERED}
    )
    seed = forms.IntegerField(
        label="Seed",
        required=False,
        help_text="Blank: each model picks its own. Models that take no seed ignore it (their column says so).",
        error_messages={"invalid": "The seed is a whole number, or blank."},
    )
    models = ModelsField(
        label="Models",
        queryset=ImageModel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Pick {MIN_MODELS} to {MAX_MODELS}.",
        error_messages={
            "required": f"Pick {MIN_MODELS} to {MAX_MODELS} models to compare.",
            "invalid_choice": "A model you picked is not available (unknown or disabled): pick from the list.",
            "invalid_pk_value": "A model you picked is not available: pick from the list.",
        },
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    rerun_of = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, model_list: list[ImageModel], **kwargs):
        super().__init__(*args, **kwargs)
        self.model_list = model_list
        self.fields["models"].queryset = ImageModel.objects.filter(pk__in=[m.pk for m in model_list])
        if not self.is_bound:
            self.initial.setdefault("submission_key", new_submission_key())
        picked = self.picked_models
        # The settings offered: the union of what the picked models take (every enabled model's, before any
        # is picked); a value no picked model takes is refused in clean() with the models named.
        shown_from = picked or model_list
        self.offered = {
            "aspect_ratio": _union(shown_from, "aspect_ratio"),
            "image_size": _union(shown_from, "resolution"),
        }
        everything = {name: _union(model_list, name) for name in ("aspect_ratio", "resolution")}
        self.fields["aspect_ratio"].choices = [DEFAULT_CHOICE] + [
            (value, aspect_ratios.aspect_ratio_label(value, aspect_ratios.DEFAULT_IMAGE_SIZE))
            for value in everything["aspect_ratio"]
        ]
        self.fields["image_size"].choices = [DEFAULT_CHOICE] + [(v, v) for v in everything["resolution"]]
        self.takes_seed = any(choices.seed_bounds(model.offer()) for model in shown_from)

    @property
    def picked_ids(self) -> list[str]:
        if self.is_bound:
            return [str(value) for value in self.data.getlist(self.add_prefix("models"))]
        return [str(value) for value in self.initial.get("models", [])]

    @property
    def picked_models(self) -> list[ImageModel]:
        ids = self.picked_ids
        return [model for model in self.model_list if str(model.pk) in ids]

    def options(self, name: str) -> list[tuple[str, str, bool]]:
        """(value, label, selected) for the select of a shared setting: the picked models' union."""
        selected = str(self[name].value() or "")
        offered = set(self.offered[name])
        return [
            (str(value), label, str(value) == selected)
            for value, label in self.fields[name].choices
            if value == "" or value in offered or str(value) == selected
        ]

    @property
    def setting_selects(self) -> list:
        """(bound field, its options) for the shared settings that are selects, in the form's order."""
        return [(self[name], self.options(name)) for name in ("aspect_ratio", "image_size")]

    @property
    def estimate_words(self) -> str:
        if len(self.picked_models) < MIN_MODELS:
            return f"Pick at least {MIN_MODELS} models to see what the board may cost."
        if len(self.picked_models) > MAX_MODELS:
            return f"Pick at most {MAX_MODELS} models."
        estimate = self.estimate
        if estimate is None:
            return "What the board may cost is not known: a picked model has no published price."
        return (
            f"The whole board may cost up to {usd(estimate, price=True)}; that much is held from your budget "
            "before anything is sent."
        )

    def model_rows(self) -> list[tuple[ImageModel, bool, str]]:
        """(model, picked, what it takes) for each enabled model's checkbox."""
        ids = set(self.picked_ids)
        return [(model, str(model.pk) in ids, _takes(model)) for model in self.model_list]

    def clean(self):
        cleaned = super().clean()
        models = cleaned.get("models")
        if models is None:
            return cleaned
        models = [model for model in self.model_list if model in set(models)]
        cleaned["models"] = models
        try:
            board_check(models=models, picked_ids=self.picked_ids)
            self.plans = board_plan(
                models=models,
                aspect_ratio=cleaned.get("aspect_ratio", ""),
                image_size=cleaned.get("image_size", ""),
                seed=cleaned.get("seed"),
            )
        except BoardRefused as refused:
            self.add_error(refused.field, refused.message)
        return cleaned

    @property
    def estimate(self):
        """The most the board as chosen may cost (shown beside the button), when the picks are valid."""
        plans = getattr(self, "plans", None)
        if plans is None:
            try:
                plans = board_plan(
                    models=self.picked_models,
                    aspect_ratio=str(self["aspect_ratio"].value() or ""),
                    image_size=str(self["image_size"].value() or ""),
                    seed=None,
                )
            except BoardRefused:
                return None
        if not MIN_MODELS <= len(plans) <= MAX_MODELS:
            return None
        return board_estimate(plans=plans, prompt=str(self["prompt"].value() or ""))

    def board_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "models": data["models"],
            "prompt": data["prompt"],
            "aspect_ratio": data.get("aspect_ratio", ""),
            "image_size": data.get("image_size", ""),
            "seed": data.get("seed"),
            "picked_ids": self.picked_ids,
            "submission_key": data.get("submission_key", ""),
        }


def _union(models, name: str) -> list[str]:
    values: dict[str, None] = {}
    for model in models:
        values |= dict.fromkeys(choices.offered_values(model.offer(), name))
    return list(values)


def _takes(model: ImageModel) -> str:
    offer = model.offer()
    parts = []
    if ratios := choices.offered_values(offer, "aspect_ratio"):
        parts.append(f"{len(ratios)} aspect ratios")
    if sizes := choices.offered_values(offer, "resolution"):
        parts.append("sizes " + ", ".join(sizes))
    if choices.seed_bounds(offer):
        parts.append("seed")
    return "; ".join(parts) or "no settings"
