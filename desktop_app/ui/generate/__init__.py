"""The generate panel: images, the model picker, its settings form, Generate, and batch / compare starts."""
