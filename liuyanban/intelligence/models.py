"""Records the intelligence writes: predictions, model versions, duplicate links, flags."""
