from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from imagegen import selectors, services
from imagegen.exceptions import GenerationRefused
from imagegen.forms import GenerateForm, new_submission_key


def _generate_form(
    request, *, data=None, files=None, initial=None, include=None, model_list=None
) -> GenerateForm:
    return GenerateForm(
        data,
        files,
        initial=initial or {},
        models=selectors.models_selectable(),
        model_list=model_list,
        pick_candidates=selectors.reference_candidates(viewer=request.user, include=include),
    )


def _remix_initial(request) -> tuple[dict, object]:
    """?remix=<image> prefills prompt, model, ratio and size; ?edit=<image> also uses it as a reference."""
    initial, include = {}, None
    source = selectors.image_for_remix(
        viewer=request.user, pk=request.GET.get("remix") or request.GET.get("edit")
    )
    if source is None:
        return initial, include
    initial["prompt"] = source.prompt
    if not request.GET.get("edit"):
        initial["remix_of"] = source.pk
    model = selectors.models_selectable().filter(openrouter_id=source.model_slug).first()
    if model:
        initial["model"] = model.pk
        # What the model no longer offers falls back to its default, and the form says so.
        initial |= {"aspect_ratio": source.aspect_ratio, "image_size": source.image_size}
    if request.GET.get("edit"):
        initial["reference_picks"] = [source.pk]
        include = source
    return initial, include


@require_http_methods(["GET", "POST"])
def generate(request):
    if request.method == "GET":
        initial, include = _remix_initial(request)
        form = _generate_form(request, initial=initial, include=include)
        generations = selectors.generation_list_recent(member=request.user)
        context = {
            "form": form,
            "generations": generations,
            "live": _any_running(generations),
            "poll_every": _poll_every(generations),
            "worker_missing": selectors.generations_wait_for_a_worker(generations=generations),
        }
        return render(request, "imagegen/generate.html", context)

    form = _generate_form(request, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            remix_of = selectors.image_for_remix(viewer=request.user, pk=form.cleaned_data.get("remix_of"))
            generation = services.generation_create(
                member=request.user, remix_of=remix_of, **form.generation_fields()
            )
        except GenerationRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            if not request.htmx:
                return redirect("imagegen:generate")
            if request.POST.get("form_shows_errors"):
                # The page shows an earlier refusal: a clean form keeping the settings, plus the new card.
                next_form = _generate_form(
                    request, initial=_initial_after_submit(form), model_list=form.model_list
                )
                context = {
                    "form": next_form,
                    "new_generation": generation,
                    "poll_every": _poll_every([generation]),
                }
                return render(request, "imagegen/generate.html#form_after_submit", context)
            # The form on the page already holds what was sent: leave it be (no re-render, the cheapest
            # answer to a burst of submissions), give it a new submission key and put the card on top.
            context = {
                "new_generation": generation,
                "next_submission_key": new_submission_key(),
                "poll_every": _poll_every([generation]),
            }
            return reswap(render(request, "imagegen/generate.html#submitted", context), "none")
    template = "imagegen/generate.html#generate_form" if request.htmx else "imagegen/generate.html"
    context = {
        "form": form,
        "generations": [] if request.htmx else selectors.generation_list_recent(member=request.user),
    }
    return render(request, template, context, status=422)


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
    form = _generate_form(request, initial=initial)
    return render(request, "imagegen/generate.html#model_options", {"form": form})


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
    original = selectors.generation_get(viewer=request.user, pk=pk)
    key = request.POST.get("submission_key", "")[:64]
    try:
        generation = services.generation_retry(generation=original, member=request.user, submission_key=key)
    except GenerationRefused as refused:
        response = render(
            request,
            "imagegen/generate.html#generation_card",
            {"generation": original, "retry_refused": refused.message},
            status=422 if request.htmx else 400,
        )
        # The form targets the top of the list (for the new card); the refusal belongs on this card.
        return retarget(reswap(response, "outerHTML"), f"#generation-{original.pk}")
    if not request.htmx:
        return redirect("imagegen:generate")
    context = {"generation": generation, "poll_every": _poll_every([generation])}
    return render(request, "imagegen/generate.html#retried", context)


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
