"""Architectures this plugin offers (registered as "hello.<name>")."""


def mlp(input_dim=1, hidden=16, outputs=1):
    """A one-hidden-layer perceptron: Dense(hidden, tanh) -> Dense(outputs)."""
    from pydl.layers import Dense, Input
    from pydl.models import Sequential
    return Sequential([Input((input_dim,)), Dense(hidden, activation="tanh"), Dense(outputs)], name="hello_mlp")
