"""The models the team's tests generate with, and what the stand-in charges for them."""

FLUX = "black-forest-labs/flux.2-pro"  # $0.03 an image, charged exactly that by the stand-in
KLEIN = "black-forest-labs/flux.2-klein-4b"  # $0.014 an image
GEMINI = "google/gemini-2.5-flash-image"  # $0.0387 estimated; the stand-in adds a little for text
