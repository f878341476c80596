"""The networks the agents learn: a Q-network (the book's Dense 32-32-n) and an actor-critic pair in one model."""
from pydl.layers import Dense, Input
from pydl.models import Model, Sequential


def q_network(state_size, action_size, hidden=(32, 32)):
    """Dense(relu) layers then one linear output per action: the book's net with hidden=(32, 32)."""
    layers = [Dense(units, activation="relu", **({"input_shape": (state_size,)} if i == 0 else {}))
              for i, units in enumerate(hidden)]
    if not layers:
        layers = [Dense(action_size, activation="linear", input_shape=(state_size,))]
    else:
        layers.append(Dense(action_size, activation="linear"))
    return Sequential(layers)


def actor_critic(state_size, action_size, hidden=(64, 64)):
    """One model, two heads with their own hidden layers: action logits (actor) and the state value (critic).
    One call computes both; one file saves both."""
    state = Input(shape=(state_size,))
    heads = []
    for outputs in (action_size, 1):
        x = state
        for units in hidden:
            x = Dense(units, activation="relu")(x)
        heads.append(Dense(outputs, activation="linear")(x))
    return Model(inputs=state, outputs=heads)
