"""The book's chapter 11 sentiment classifiers (IMDB, one sigmoid output) as functions returning pydl models with the
notebooks' layers, defaults and parameter counts. Each takes the vocabulary size and review length it was built for,
so a recipe can build the same architecture for other data."""
from pydl.layers import (LSTM, GRU, Bidirectional, Conv1D, Dense, Dropout, Embedding, Flatten, GlobalMaxPooling1D,
                         Input, MaxPooling1D, SimpleRNN, SpatialDropout1D, concatenate)
from pydl.models import Model, Sequential


def dense(n_unique_words=5000, max_review_length=100, n_dim=64, n_dense=64, dropout=0.5):
    """Embedding -> Flatten -> Dense(64 relu) -> Dropout .5 -> Dense(1 sigmoid): 729,729 params."""
    return Sequential([Embedding(n_unique_words, n_dim, input_length=max_review_length), Flatten(),
                       Dense(n_dense, activation="relu"), Dropout(dropout), Dense(1, activation="sigmoid")])


def conv(n_unique_words=5000, max_review_length=400, n_dim=64, drop_embed=0.2, n_conv=256, k_conv=3, n_dense=256,
         dropout=0.2):
    """Embedding -> SpatialDropout1D -> Conv1D(256, 3) -> GlobalMaxPooling1D -> Dense(256) -> Dense(1): 435,457."""
    return Sequential([Embedding(n_unique_words, n_dim, input_length=max_review_length), SpatialDropout1D(drop_embed),
                       Conv1D(n_conv, k_conv, activation="relu"), GlobalMaxPooling1D(),
                       Dense(n_dense, activation="relu"), Dropout(dropout), Dense(1, activation="sigmoid")])


def _recurrent(layer, n_unique_words, max_review_length, n_dim, drop_embed):
    return Sequential([Embedding(n_unique_words, n_dim, input_length=max_review_length), SpatialDropout1D(drop_embed),
                       layer, Dense(1, activation="sigmoid")])


def rnn(n_unique_words=10000, max_review_length=100, n_dim=64, drop_embed=0.2, n_rnn=256, drop_rnn=0.2):
    """Embedding -> SpatialDropout1D -> SimpleRNN(256, dropout .2) -> Dense(1): 722,433 params."""
    return _recurrent(SimpleRNN(n_rnn, dropout=drop_rnn), n_unique_words, max_review_length, n_dim, drop_embed)


def lstm(n_unique_words=10000, max_review_length=100, n_dim=64, drop_embed=0.2, n_lstm=256, drop_lstm=0.2):
    """Embedding -> SpatialDropout1D -> LSTM(256, dropout .2) -> Dense(1): 968,961 params."""
    return _recurrent(LSTM(n_lstm, dropout=drop_lstm), n_unique_words, max_review_length, n_dim, drop_embed)


def gru(n_unique_words=10000, max_review_length=100, n_dim=64, drop_embed=0.2, n_gru=256, drop_gru=0.2):
    """Embedding -> SpatialDropout1D -> GRU(256, dropout .2; Keras 2's reset_after=False) -> Dense(1): 886,785."""
    return _recurrent(GRU(n_gru, dropout=drop_gru), n_unique_words, max_review_length, n_dim, drop_embed)


def bilstm(n_unique_words=10000, max_review_length=200, n_dim=64, drop_embed=0.2, n_lstm=256, drop_lstm=0.2):
    """Embedding -> SpatialDropout1D -> Bidirectional(LSTM(256, dropout .2)) -> Dense(1): 1,297,921 params."""
    return _recurrent(Bidirectional(LSTM(n_lstm, dropout=drop_lstm)), n_unique_words, max_review_length, n_dim,
                      drop_embed)


def stacked_bilstm(n_unique_words=10000, max_review_length=200, n_dim=64, drop_embed=0.2, n_lstm_1=64, n_lstm_2=64,
                   drop_lstm=0.2):
    """Two Bidirectional(LSTM(64, dropout .2)), the first returning sequences: 804,993 params."""
    return Sequential([Embedding(n_unique_words, n_dim, input_length=max_review_length), SpatialDropout1D(drop_embed),
                       Bidirectional(LSTM(n_lstm_1, dropout=drop_lstm, return_sequences=True)),
                       Bidirectional(LSTM(n_lstm_2, dropout=drop_lstm)), Dense(1, activation="sigmoid")])


def conv_lstm(n_unique_words=10000, max_review_length=200, n_dim=64, drop_embed=0.2, n_conv=64, k_conv=3,
              mp_size=4, n_lstm=64, drop_lstm=0.2):
    """Conv1D(64, 3) -> MaxPooling1D(4) -> Bidirectional(LSTM(64, dropout .2)) -> Dense(1): 718,529 params."""
    return Sequential([Embedding(n_unique_words, n_dim, input_length=max_review_length), SpatialDropout1D(drop_embed),
                       Conv1D(n_conv, k_conv, activation="relu"), MaxPooling1D(mp_size),
                       Bidirectional(LSTM(n_lstm, dropout=drop_lstm)), Dense(1, activation="sigmoid")])


def multi_convnet(n_unique_words=5000, max_review_length=400, n_dim=64, drop_embed=0.2, n_conv=256, kernels=(3, 2, 4),
                  n_dense=256, dropout=0.2):
    """Functional API: Input(int16) -> Embedding -> SpatialDropout1D -> three Conv1D(256, k=3,2,4) branches, each
    GlobalMaxPooling1D -> concatenate -> Dense(256) -> Dense(64) -> Dense(1): 681,601 params."""
    input_layer = Input(shape=(max_review_length,), dtype="int16", name="input")
    embedding = Embedding(n_unique_words, n_dim, name="embedding")(input_layer)
    drop_embed_layer = SpatialDropout1D(drop_embed, name="drop_embed")(embedding)
    branches = [GlobalMaxPooling1D(name=f"maxp_{i}")(Conv1D(n_conv, k, activation="relu", name=f"conv_{i}")(
        drop_embed_layer)) for i, k in enumerate(kernels, 1)]
    x = concatenate(branches)
    x = Dropout(dropout, name="drop_dense")(Dense(n_dense, activation="relu", name="dense")(x))
    x = Dropout(dropout, name="drop_dense_2")(Dense(64, activation="relu", name="dense_2")(x))
    return Model(input_layer, Dense(1, activation="sigmoid", name="output")(x))


ARCHITECTURES = {
    "dense": (dense, "the book's dense sentiment classifier (729,729 params)"),
    "conv": (conv, "the book's convolutional sentiment classifier (435,457 params)"),
    "rnn": (rnn, "the book's SimpleRNN sentiment classifier (722,433 params)"),
    "lstm": (lstm, "the book's LSTM sentiment classifier (968,961 params)"),
    "gru": (gru, "the book's GRU sentiment classifier (886,785 params)"),
    "bilstm": (bilstm, "the book's bidirectional LSTM classifier (1,297,921 params)"),
    "stacked_bilstm": (stacked_bilstm, "the book's stacked bidirectional LSTM classifier (804,993 params)"),
    "conv_lstm": (conv_lstm, "the book's conv + bidirectional LSTM classifier (718,529 params)"),
    "multi_convnet": (multi_convnet, "the book's multi-ConvNet, functional API (681,601 params)"),
}


def register(registry):
    for name, (fn, help) in ARCHITECTURES.items():
        registry.add_model(name, fn, help=help)
