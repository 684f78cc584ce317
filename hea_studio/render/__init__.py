"""vispy adapters: model changes become scene-node updates."""
