"""Plain helpers for imagegen's tests."""


def admin_form_data(admin_client, url: str, **changes) -> dict:
    """What an admin change page posts as it stands (every box ticked as shown), with `changes` on top."""
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            value = "on" if value else ""
        data[name] = "" if value is None else value
    return data | changes
