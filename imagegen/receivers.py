"""What imagegen tells other apps through their signals."""

from django.dispatch import receiver

from gallery.signals import file_still_used
from imagegen.models import GenerationReference, PendingReference


@receiver(file_still_used, dispatch_uid="imagegen.references_hold_their_files")
def references_hold_their_files(sender, *, name: str, **kwargs) -> bool:
    return (
        GenerationReference.objects.filter(file_name=name).exists()
        or PendingReference.objects.filter(file_name=name).exists()
    )
