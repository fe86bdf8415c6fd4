"""The image model's admin form: the allowlist switch, and the admin's override as ticks and a price.

An override used to be typed as JSON. Here each parameter the Generate form knows (imagegen.parameters)
is a list of checkboxes of the values OpenRouter describes (aspect ratios, sizes, …), or one "Offered"
checkbox for a parameter without a list (a seed, several images a request); the price is a dollar amount
an image. The form turns the ticks back into the same stored override (only what differs from what
OpenRouter says), so everything downstream — the Generate form, estimates, "override" marks — is as before.
An override entry this form has no control for (a parameter Easel does not offer) is kept as it is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

import openrouter
from imagegen import capabilities, parameters
from imagegen.models import ImageModel

# The Generate form's parameters that an admin narrows (a list of values) or switches off (the rest).
CHOICE_PARAMETERS = ("aspect_ratio", "resolution", "quality", "background", "output_format")
SWITCH_PARAMETERS = ("n", "seed")
PRICE_FIELD = "price_per_image_override"


def field_name(parameter: str) -> str:
    return f"offer_{parameter}"


def _discovered(model: ImageModel) -> openrouter.Capabilities:
    """What OpenRouter says the model takes, merged over its providers, before any override."""
    offer = capabilities.model_offer(
        parameters=model.parameters, providers=model.providers, pricing=model.pricing,
        parameters_override=None, pricing_override=None, model_id=model.openrouter_id,
    )  # fmt: skip
    return offer.parameters


def _described(model: ImageModel) -> dict[str, openrouter.Capability | None]:
    """Every parameter the form has a control for: OpenRouter's descriptor, or the override's own."""
    described: dict[str, openrouter.Capability | None] = dict(_discovered(model))
    for name, raw in (model.parameters_override or {}).items():
        if name not in described and raw is not None:
            described.update(openrouter.parse_capabilities({name: raw}, source="the override"))
    return {name: described[name] for name in (*CHOICE_PARAMETERS, *SWITCH_PARAMETERS) if name in described}


def override_fields(model: ImageModel | None) -> list[str]:
    """The override's controls for this model (the admin's fieldset), then the price."""
    if model is None:
        return [PRICE_FIELD]
    return [field_name(name) for name in _described(model)] + [PRICE_FIELD]


def _single_image_price(pricing_override) -> Decimal | None:
    lines = openrouter.parse_pricing(pricing_override, source="the override") if pricing_override else ()
    if len(lines) == 1 and (lines[0].billable, lines[0].unit, lines[0].variant) == (
        "output_image",
        "image",
        None,
    ):
        return lines[0].cost_usd
    return None


class ImageModelForm(forms.ModelForm):
    price_per_image_override = forms.DecimalField(
        label="Price an image (USD)",
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=6,
        help_text="Replaces OpenRouter's prices for estimates and budgets. Blank: OpenRouter's prices.",
    )

    class Meta:
        model = ImageModel
        fields = [
            "openrouter_id",
            "name",
            "description",
            "enabled",
            "is_default",
            "sort_order",
            "missing_upstream",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = self.instance if self.instance.pk else None
        self.described = _described(model) if model else {}
        override = (model.parameters_override if model else None) or {}
        for name, capability in self.described.items():
            self.fields[field_name(name)] = self._control(name, capability, override)
        self._price_before = _single_image_price(model.pricing_override) if model else None
        if model and model.pricing_override and self._price_before is None:
            shown = parameters.pricing_summary(model.offer())
            self.fields[
                PRICE_FIELD
            ].help_text = f"Now overridden with several lines: {shown}. A price here replaces them; left blank they stay."
        self.fields[PRICE_FIELD].initial = self._price_before

    @staticmethod
    def _control(name: str, capability, override: dict[str, Any]) -> forms.Field:
        label = parameters.label_of(name)
        overridden = " (overridden)" if name in override else ""
        if isinstance(capability, openrouter.EnumCapability):
            raw = override.get(name, capability.to_json()) if name in override else capability.to_json()
            chosen = list(raw.get("values", [])) if isinstance(raw, dict) else []
            values = list(dict.fromkeys([*capability.values, *chosen]))  # an override may add a value
            return forms.MultipleChoiceField(
                label=f"{label} offered{overridden}",
                choices=[(value, value) for value in values],
                initial=chosen,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text="OpenRouter describes every value listed. Untick what members should not pick; "
                "all ticked is no override, none ticked takes the choice away.",
            )
        return forms.BooleanField(
            label=f"{label}: offered{overridden}",
            initial=override.get(name, True) is not None,
            required=False,
            help_text="Untick to leave it out of the Generate form.",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_default") and not cleaned.get("enabled"):
            self.add_error("is_default", "The default model must be enabled.")
        return cleaned

    def parameters_override(self) -> dict[str, Any] | None:
        """The stored override from the ticks: only what differs from OpenRouter's own description."""
        model = self.instance
        discovered = _discovered(model)
        kept = {
            name: raw
            for name, raw in (model.parameters_override or {}).items()
            if name not in self.described  # no control for it here: left as it was
        }
        for name, capability in self.described.items():
            value = self.cleaned_data.get(field_name(name))
            own = (model.parameters_override or {}).get(name)
            if isinstance(capability, openrouter.EnumCapability):
                offered = [choice for choice, _ in self.fields[field_name(name)].choices]
                ticked = [choice for choice in offered if choice in value]
                if not ticked:
                    kept[name] = None
                elif name in discovered and tuple(ticked) == discovered[name].values:
                    continue
                else:
                    kept[name] = {"type": "enum", "values": ticked}
            elif not value:
                kept[name] = None
            elif name not in discovered or own is not None:
                kept[name] = own if own is not None else capability.to_json()
        return capabilities.checked_parameters_override(kept)

    def pricing_override(self):
        if PRICE_FIELD not in self.changed_data:
            return self.instance.pricing_override
        price = self.cleaned_data.get(PRICE_FIELD)
        if price is None:
            return None
        return [{"billable": "output_image", "unit": "image", "cost_usd": str(price)}]

    def save(self, commit=True):
        model = super().save(commit=False)
        if model.pk:
            model.parameters_override = self.parameters_override()
        model.pricing_override = self.pricing_override()
        if commit:
            model.save()
        return model


class ImageModelRowForm(forms.ModelForm):
    """One row of the model list's inline edits, each control named for its model (a screen reader
    otherwise hears a column of unlabelled checkboxes and numbers)."""

    class Meta:
        model = ImageModel
        fields = ["enabled", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label}: {self.instance.name}"
