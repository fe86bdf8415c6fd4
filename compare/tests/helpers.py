"""The models compare's tests put on boards (the stand-in's catalogue), and a board submitted as the page does."""

from compare.models import Board

FLUX = "black-forest-labs/flux.2-pro"  # 1K and 2K, a seed; $0.03 an image
KLEIN = "black-forest-labs/flux.2-klein-4b"  # no sizes, no seed; $0.014 an image
GEMINI = "google/gemini-2.5-flash-image"  # no sizes, a seed
GEMINI_3 = "google/gemini-3-pro-image-preview"  # 1K, 2K and 4K
GPT_IMAGE = "openai/gpt-image-1"  # three ratios, no seed


def post_board(client, image_models, prompt: str, *model_ids: str, **fields):
    data = {"prompt": prompt, "models": [str(image_models[m].pk) for m in model_ids]} | fields
    return client.post("/compare/", data)


def latest_board() -> Board:
    return Board.objects.latest("id")


def fill_board(board: Board, make_image, *, colors=((200, 60, 40), (40, 160, 60), (30, 60, 200))) -> list:
    """Each cell's generation done with one stored image of the board's member (as the worker leaves it)."""
    from imagegen.models import Generation

    images = []
    for cell, color in zip(board.cells.select_related("generation", "model"), colors, strict=False):
        generation = cell.generation
        images.append(
            make_image(
                owner=board.member,
                prompt=board.prompt,
                color=color,
                generation=generation,
                model_slug=cell.model.openrouter_id,
                model_name=cell.model.name,
            )
        )
        Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.SUCCEEDED)
    return images
