"""Background tasks: a thin interface to services (HackSoft: no business logic here)."""

from django.tasks import task


@task
def run_generation(*, generation_id: int) -> None:
    from imagegen import services  # services enqueue this task: import late to avoid a cycle

    services.generation_run(generation_id=generation_id)
