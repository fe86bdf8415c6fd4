"""Links stop when what they show goes away, and stay stopped if it comes back."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from gallery.models import Collection
from gallery.signals import images_trashed
from sharing import services


@receiver(images_trashed, dispatch_uid="sharing.revoke_links_to_trashed_images")
def revoke_links_to_trashed_images(sender, *, image_ids, **kwargs):
    # Revoked rather than merely hidden: restoring the image from the trash must not bring its links back.
    services.links_revoke_for_images(image_ids=list(image_ids), reason="Its image went to the trash")


@receiver(pre_delete, sender=Collection, dispatch_uid="sharing.revoke_links_to_deleted_collection")
def revoke_links_to_deleted_collection(sender, *, instance, **kwargs):
    # The foreign key is then set to NULL; revoking first records why the link ended.
    services.links_revoke_for_collection(collection_id=instance.pk, reason="Its collection was deleted")
