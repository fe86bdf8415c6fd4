from django.dispatch import Signal

# Sent after images move to the trash (inside the transaction): `image_ids` is a list of primary keys.
# Share links listen, so that deleting an image stops its links for good.
images_trashed = Signal()
