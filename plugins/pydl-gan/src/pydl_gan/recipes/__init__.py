"""Runnable recipes: gan.quickdraw (the book's network and loop), gan.dcgan, gan.conditional."""
