"""pydl-gan: the book's generative adversarial networks chapter (12) as a pydl plugin: the Quick Draw data, the
book's discriminator, generator and adversarial model, a DCGAN and a conditional GAN, a training loop object
(``GANTrainer``), sample grids and curves, and a quality score (Fréchet distance and classifier confidence).

Uses only pydl's public API (a test checks that nothing here imports ``pydl._C`` or a private pydl module).
"""
__version__ = "0.1.0"
