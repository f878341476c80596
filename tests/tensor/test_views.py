"""Views, indexing and broadcasting against NumPy (property-based with hypothesis)."""
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import pydl

SETTINGS = settings(max_examples=50, deadline=None, database=None)
shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)


def base(shape):
    """Distinct values, so any index mix-up shows."""
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)


def test_attributes_of_a_view():
    t = pydl.tensor(base((3, 4)))
    assert t.shape == (3, 4) and t.strides == (4, 1) and t.offset == 0
    assert t.ndim == 2 and t.size == 12 and t.itemsize == 8 and t.nbytes == 96
    v = t[1:, ::2]
    assert v.shape == (2, 2) and v.strides == (4, 2) and v.offset == 4
    assert not v.is_contiguous() and t.is_contiguous()
    assert t.T.shape == (4, 3) and t.T.strides == (1, 4)
    assert str(t.device) == "cpu"


@SETTINGS
@given(st.data())
def test_basic_indexing_matches_numpy_and_shares_memory(data):
    shape = data.draw(shapes)
    idx = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    a = base(shape)
    t = pydl.tensor(a)
    v = t[idx]
    assert v.shape == np.shape(a[idx])
    np.testing.assert_array_equal(v.numpy(), a[idx])
    v[...] = -1.0                                   # write through the view ...
    want = a.copy()
    want[idx] = -1.0
    np.testing.assert_array_equal(t.numpy(), want)  # ... lands in the base


@pytest.mark.parametrize("key", [np.s_[::-1], np.s_[::-2, 1::3], np.s_[-1:0:-2, ::-1],
                                 np.s_[4:1:-1, -2], np.s_[..., ::-3], np.s_[None, 1, ::-1]])
def test_negative_steps(key):
    a = base((6, 7))
    v = pydl.tensor(a)[key]
    np.testing.assert_array_equal(v.numpy(), a[key])
    np.testing.assert_array_equal(v.contiguous().numpy(), a[key])
    assert v.contiguous().is_contiguous()


@st.composite
def reshape_case(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=6))
    factors = [f for d in shape for f in range(2, d + 1) for _ in range(_mult(d, f))]
    factors = draw(st.permutations(factors))
    new, cur = [], 1
    for f in factors:                      # regroup the prime factors into new dims
        cur *= f
        if draw(st.booleans()):
            new.append(cur)
            cur = 1
    if cur != 1:
        new.append(cur)
    for _ in range(draw(st.integers(0, 2))):
        new.insert(draw(st.integers(0, len(new))), 1)
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return shape, tuple(new)


def _mult(d, f):
    """Multiplicity of f in d if f is prime, else 0."""
    if any(f % p == 0 for p in range(2, f)):
        return 0
    m = 0
    while d % f == 0:
        d //= f
        m += 1
    return m


@SETTINGS
@given(reshape_case())
def test_reshape_and_view(case):
    shape, new = case
    a = base(shape)
    t = pydl.tensor(a)
    np.testing.assert_array_equal(t.reshape(new).numpy(), a.reshape(new))
    np.testing.assert_array_equal(t.T.reshape(new).numpy(), a.T.reshape(new))  # copies
    np.testing.assert_array_equal(t.flatten().numpy(), a.ravel())
    if new:
        np.testing.assert_array_equal(t.reshape(*new).numpy(), a.reshape(new))
        v = t.view(*new)
        t.numpy()[...] *= 2                    # mutate the base: the view must follow
        np.testing.assert_array_equal(v.numpy(), 2 * a.reshape(new))


def test_view_of_noncontiguous_raises_shape_error():
    t = pydl.tensor(base((2, 3)))
    with pytest.raises(pydl.ShapeError):
        t.T.view(6)
    with pytest.raises(pydl.ShapeError):
        t[:, ::2].view(-1)
    with pytest.raises(pydl.ShapeError):
        t.view(4)                               # wrong element count
    np.testing.assert_array_equal(t.T.reshape(6).numpy(), base((2, 3)).T.reshape(6))


@SETTINGS
@given(st.data())
def test_permute_transpose(data):
    shape = data.draw(shapes)
    perm = data.draw(st.permutations(range(len(shape))))
    a = base(shape)
    t = pydl.tensor(a)
    np.testing.assert_array_equal(t.permute(*perm).numpy(), np.transpose(a, perm))
    np.testing.assert_array_equal(t.transpose().numpy(), a.T)
    np.testing.assert_array_equal(t.T.numpy(), a.T)
    i, j = data.draw(st.integers(-len(shape), len(shape) - 1)), data.draw(
        st.integers(-len(shape), len(shape) - 1))
    np.testing.assert_array_equal(t.transpose(i, j).numpy(), np.swapaxes(a, i, j))


@SETTINGS
@given(st.data())
def test_squeeze_unsqueeze(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2))
    a = base(shape)
    t = pydl.tensor(a)
    np.testing.assert_array_equal(t.squeeze().numpy(), np.squeeze(a))
    assert t.squeeze().shape == np.squeeze(a).shape
    ones = [i for i, d in enumerate(shape) if d == 1]
    if ones:
        ax = data.draw(st.sampled_from(ones + [i - len(shape) for i in ones]))
        assert t.squeeze(ax).shape == np.squeeze(a, ax).shape
    ax = data.draw(st.integers(-len(shape) - 1, len(shape)))
    u = t.unsqueeze(ax)
    assert u.shape == np.expand_dims(a, ax).shape
    np.testing.assert_array_equal(u.numpy(), np.expand_dims(a, ax))


@SETTINGS
@given(st.data())
def test_expand_and_broadcast_to_are_views(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    target = [data.draw(st.integers(1, 3)) if d == 1 else d for d in shape]
    keep = [data.draw(st.booleans()) for _ in shape]
    expand_arg = tuple(lead) + tuple(-1 if k else d for k, d in zip(keep, target))
    full = tuple(lead) + tuple(s if k else d for k, s, d in zip(keep, shape, target))
    a = base(shape)
    t = pydl.tensor(a)
    e, b = t.expand(*expand_arg), t.broadcast_to(full)
    np.testing.assert_array_equal(e.numpy(), np.broadcast_to(a, full))
    np.testing.assert_array_equal(b.numpy(), np.broadcast_to(a, full))
    t[...] = 5.0                                  # views follow their base
    assert np.all(e.numpy() == 5.0) and np.all(b.numpy() == 5.0)


@SETTINGS
@given(st.data())
def test_setitem_matches_numpy(data):
    shape = data.draw(shapes)
    idx = data.draw(hnp.basic_indices(shape, allow_newaxis=False, allow_ellipsis=True))
    a = base(shape)
    sub = a[idx].shape
    kind = data.draw(st.sampled_from(["scalar", "ndarray", "tensor", "row"]))
    value = {"scalar": -3.5, "ndarray": -base(sub) - 1, "tensor": -base(sub) - 1,
             "row": -base(sub[-1:]) - 1}[kind]               # "row" broadcasts
    t = pydl.tensor(a)
    t[idx] = pydl.tensor(value) if kind == "tensor" else value
    a[idx] = value
    np.testing.assert_array_equal(t.numpy(), a)


@SETTINGS
@given(st.data())
def test_integer_array_indexing(data):
    shape = data.draw(shapes)
    axis = data.draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    idx = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                               elements=st.integers(-n, n - 1)))
    form = data.draw(st.sampled_from(["list", "ndarray", "tensor"]))
    key_idx = {"list": idx.tolist(), "ndarray": idx, "tensor": pydl.tensor(idx)}[form]
    a = base(shape)
    t = pydl.tensor(a)
    got = t[(slice(None),) * axis + (key_idx,)]
    want = a[(slice(None),) * axis + (idx,)]
    np.testing.assert_array_equal(got.numpy(), want)
    got[...] = -1.0                                # advanced indexing copies
    np.testing.assert_array_equal(t.numpy(), a)
    t[(slice(None),) * axis + (key_idx,)] = -7.0  # ... but assigning through it writes
    a[(slice(None),) * axis + (idx,)] = -7.0
    np.testing.assert_array_equal(t.numpy(), a)


def test_multiple_advanced_indices_broadcast():
    a = base((4, 5, 6))
    key = (np.array([[0], [2]]), np.array([1, 3, 4]))
    got = pydl.tensor(a)[key]
    assert got.shape == (2, 3, 6)
    np.testing.assert_array_equal(got.numpy(), a[key])


@SETTINGS
@given(st.data())
def test_bool_mask_indexing(data):
    shape = data.draw(shapes)
    mask = data.draw(hnp.arrays(np.bool_, shape))
    a = base(shape)
    t = pydl.tensor(a)
    np.testing.assert_array_equal(t[mask].numpy(), a[mask])
    np.testing.assert_array_equal(t[pydl.tensor(mask)].numpy(), a[mask])
    np.testing.assert_array_equal(t[t > 3.0].numpy(), a[a > 3.0])
    t[mask] = -2.0
    a[mask] = -2.0
    np.testing.assert_array_equal(t.numpy(), a)


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
def test_broadcasting_matches_numpy(bs):
    s1, s2 = bs.input_shapes
    x, y = base(s1), base(s2) + 0.5
    got = pydl.add(pydl.tensor(x), pydl.tensor(y))
    assert got.shape == bs.result_shape
    np.testing.assert_array_equal(got.numpy(), x + y)


@SETTINGS
@given(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),
       hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
def test_incompatible_shapes_raise_shape_error(s1, s2):
    x, y = pydl.tensor(base(s1)), pydl.tensor(base(s2))
    try:
        want = np.broadcast_shapes(s1, s2)
    except ValueError:
        with pytest.raises(pydl.ShapeError) as info:
            pydl.mul(x, y)
        assert str(s1) in str(info.value) and str(s2) in str(info.value)
    else:
        assert pydl.mul(x, y).shape == want
