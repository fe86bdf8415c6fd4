from django.dispatch import Signal

# Sent after images move to the trash (inside the transaction): `image_ids` is a list of primary keys.
# Share links listen, so that deleting an image stops its links for good.
images_trashed = Signal()

# Sent before the gallery deletes a stored file that no image uses any more, with `name`: a receiver
# returns True while rows of its own app still point at that file (imagegen's generation references), and
# the file is kept. Lets other apps hold gallery files without the gallery knowing their models.
file_still_used = Signal()
