from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core import image_formats
from gallery import serving
from gallery.models import Image
from imagegen import selectors, services
from imagegen.exceptions import GenerationRefused
from imagegen.forms import GenerateForm, new_submission_key


def _generate_form(
    request, *, data=None, files=None, initial=None, include=None, model_list=None, editing=None
) -> GenerateForm:
    return GenerateForm(
        data,
        files,
        initial=initial or {},
        models=selectors.models_selectable(),
        model_list=model_list,
        pick_candidates=selectors.reference_candidates(viewer=request.user, include=include),
        pending=selectors.pending_references(member=request.user),
        editing=editing,
    )


def _form_start(request) -> tuple[dict, Image | None, Image | None]:
    """What a link opens the form with: (initial, image to offer as a reference, image being edited).

    ?remix=<image> prefills prompt, model, ratio and size; ?edit=<image> also uses it as a reference,
    under an "Editing" banner; ?reference=<image> only picks it as a reference; ?prompt_from=<generation>
    brings back a generation's prompt and choices (a card's "Edit prompt")."""
    get = request.GET
    if get.get("prompt_from"):
        generation = selectors.generation_for_prompt(viewer=request.user, pk=get["prompt_from"])
        return (_initial_from(generation) if generation else {}), None, None
    source = selectors.image_for_remix(
        viewer=request.user, pk=get.get("remix") or get.get("edit") or get.get("reference")
    )
    if source is None:
        return {}, None, None
    if get.get("reference") and not (get.get("remix") or get.get("edit")):
        return {"reference_picks": [source.pk]}, source, None
    initial = {"prompt": source.prompt}
    if not get.get("edit"):
        initial["remix_of"] = source.pk
    model = selectors.models_selectable().filter(openrouter_id=source.model_slug).first()
    if model:
        initial["model"] = model.pk
        # What the model no longer offers falls back to its default, and the form says so.
        initial |= {"aspect_ratio": source.aspect_ratio, "image_size": source.image_size}
    if get.get("edit"):
        initial |= {"reference_picks": [source.pk], "editing": source.pk}
        return initial, source, source
    return initial, None, None


def _initial_from(generation) -> dict:
    return {
        "prompt": generation.prompt,
        "model": generation.model_id,
        "aspect_ratio": generation.aspect_ratio,
        "image_size": generation.image_size,
        "count": generation.count,
        **generation.parameters,
    }


@require_http_methods(["GET", "POST"])
def generate(request):
    if request.method == "GET":
        initial, include, editing = _form_start(request)
        form = _generate_form(request, initial=initial, include=include, editing=editing)
        generations = selectors.generation_list_recent(member=request.user)
        context = {
            "form": form,
            "generations": generations,
            "live": _any_running(generations),
            "poll_every": _poll_every(generations),
            "worker_missing": selectors.generations_wait_for_a_worker(generations=generations),
        }
        return render(request, "imagegen/generate.html", context)

    editing = selectors.image_for_remix(viewer=request.user, pk=request.POST.get("editing"))
    include = editing or _first_pick(request)
    form = _generate_form(request, data=request.POST, files=request.FILES, include=include, editing=editing)
    if form.is_valid():
        try:
            remix_of = selectors.image_for_remix(viewer=request.user, pk=form.cleaned_data.get("remix_of"))
            generation = services.generation_create(
                member=request.user, remix_of=remix_of, **form.generation_fields()
            )
        except GenerationRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            return _submitted(request, form, generation)
    _keep_uploads(request, form)
    template = "imagegen/generate.html#generate_form" if request.htmx else "imagegen/generate.html"
    context = {
        "form": form,
        "generations": [] if request.htmx else selectors.generation_list_recent(member=request.user),
    }
    return render(request, template, context, status=422)


def _first_pick(request):
    picks = request.POST.getlist("reference_picks")
    return selectors.image_for_remix(viewer=request.user, pk=picks[0]) if picks else None


def _submitted(request, form: GenerateForm, generation):
    # The references went with this generation: the next prompt starts without them.
    services.pending_references_clear(member=request.user)
    if not request.htmx:
        return redirect("imagegen:generate")
    if request.POST.get("form_shows_errors"):
        # The page shows an earlier refusal: a clean form keeping the settings, plus the new card.
        next_form = _generate_form(request, initial=_initial_after_submit(form), model_list=form.model_list)
        context = {"form": next_form, "new_generation": generation, "poll_every": _poll_every([generation])}
        return render(request, "imagegen/generate.html#form_after_submit", context)
    # The form on the page already holds what was sent: leave it be (no re-render, the cheapest
    # answer to a burst of submissions), give it a new submission key and put the card on top (the
    # page's script clears the references it sent).
    context = {
        "new_generation": generation,
        "next_submission_key": new_submission_key(),
        "poll_every": _poll_every([generation]),
    }
    return reswap(render(request, "imagegen/generate.html#submitted", context), "none")


def _keep_uploads(request, form: GenerateForm) -> None:
    """A refused form keeps its checked uploads (stored for the member), so they need not be chosen again."""
    services.pending_references_forget_old()
    uploads = form.cleaned_data.get("reference_uploads") if "reference_uploads" not in form.errors else None
    if not uploads:
        return
    names = [upload.name or "" for upload in request.FILES.getlist("reference_uploads")]
    form.add_kept(
        services.pending_references_keep(member=request.user, references=uploads, upload_names=names)
    )


def _initial_after_submit(form: GenerateForm) -> dict:
    data = form.cleaned_data
    return {
        "prompt": data["prompt"],
        "model": data["model"].pk,
        "aspect_ratio": data["aspect_ratio"],
        "image_size": data["image_size"],
        "count": data["count"],
        **{name: data.get(name) for name in ("quality", "background", "output_format", "seed")},
        "remix_of": data.get("remix_of"),
    }


@require_GET
def model_options(request):
    """The choices that depend on the model (its controls, references, the estimate), re-rendered when
    the model or a choice changes: choices the model also offers are kept, the rest reset visibly."""
    fields = ("prompt", "model", *GenerateForm.MODEL_FIELDS)
    initial = {key: request.GET[key] for key in fields if request.GET.get(key)}
    editing = selectors.image_for_remix(viewer=request.user, pk=request.GET.get("editing"))
    form = _generate_form(request, initial=initial, editing=editing)
    # The references stay on the page (files chosen survive a change of model): only their note changes.
    return render(request, "imagegen/generate.html#model_options_changed", {"form": form})


def _any_running(generations) -> bool:
    return any(not generation.is_finished for generation in generations)


def _poll_every(generations) -> str:
    """How often the page asks for its running cards: twice as often while a model that streams previews
    runs, so a preview shows within half a second of arriving (bench/bench_previews.py)."""
    streaming = any(not g.is_finished and g.model.supports_streaming for g in generations)
    return "250ms" if streaming else "500ms"


@require_GET
def generation_card(request, pk: int):
    generation = selectors.generation_get(viewer=request.user, pk=pk)
    template = "imagegen/generate.html#generation_card" if request.htmx else "imagegen/generation_detail.html"
    return render(request, template, {"generation": generation, "live": not generation.is_finished})


@require_GET
def generation_updates(request):
    """The running cards named by the page (`?live=<id>`, repeated), re-rendered as out-of-band swaps, and
    the notice that says no worker is running while any of them waits in the queue."""
    generations = selectors.generations_by_ids(viewer=request.user, ids=request.GET.getlist("live"))
    context = {
        "generations": generations,
        "live": _any_running(generations),
        "poll_every": _poll_every(generations),
        "worker_missing": selectors.generations_wait_for_a_worker(generations=generations),
    }
    return render(request, "imagegen/generate.html#updates", context)


@require_POST
def generation_retry(request, pk: int):
    """Try a failed generation again (or only its missing images): the new card takes the failed one's
    place in the list, with the failed one, now marked as tried again, right under it."""
    original = selectors.generation_get(viewer=request.user, pk=pk)
    key = request.POST.get("submission_key", "")[:64]
    try:
        generation = services.generation_retry(
            generation=original,
            member=request.user,
            submission_key=key,
            only_missing=request.POST.get("only_missing") == "1",
        )
    except GenerationRefused as refused:
        response = render(
            request,
            "imagegen/generate.html#generation_card",
            {"generation": original, "retry_refused": refused.message},
            status=422 if request.htmx else 400,
        )
        return retarget(reswap(response, "outerHTML"), f"#generation-{original.pk}")
    if not request.htmx:
        return redirect("imagegen:generate")
    context = {
        "generation": generation,
        "original": selectors.generation_get(viewer=request.user, pk=pk),
        "poll_every": _poll_every([generation]),
    }
    return render(request, "imagegen/generate.html#retried", context)


@require_GET
def generation_reference_file(request, pk: int, position: int):
    """A reference image a generation was sent with, for its card's small thumbnails."""
    reference = selectors.generation_reference_get(viewer=request.user, pk=pk, position=position)
    return _reference_response(request, reference)


@require_GET
def pending_reference_file(request, pk: int):
    """An upload kept from a refused submission, shown as a thumbnail in the form (its member's only)."""
    pending = selectors.pending_reference_get(member=request.user, pk=pk)
    return _reference_response(request, pending)


@require_POST
def run_again_exactly(request, pk: int):
    """The image's recipe again: same model, provider pinned, seed, parameters and references."""
    image = selectors.image_for_remix(viewer=request.user, pk=pk)
    if image is None:
        raise Http404("No such image.")
    try:
        services.generation_run_again(image=image, member=request.user)
    except GenerationRefused as refused:
        messages.error(request, f"Could not run it again exactly: {refused.message} Remix it instead.")
        return redirect("gallery:image_detail", pk)
    messages.success(request, "Running it again exactly: the new image appears below when it is done.")
    return redirect("imagegen:generate")


def _reference_response(request, reference):
    extension = image_formats.EXTENSIONS[image_formats.FORMATS_BY_MIME[reference.mime_type]]
    return serving.file_response(
        request,
        name=reference.file_name,
        content_type=reference.mime_type,
        etag=reference.sha256,
        filename=f"reference.{extension}",
    )
