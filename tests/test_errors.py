"""The error contract: typed exceptions whose messages name what was received."""
import numpy as np
import pytest

import pydl


def test_exception_hierarchy():
    assert issubclass(pydl.ShapeError, ValueError)
    assert issubclass(pydl.DTypeError, TypeError)
    assert issubclass(pydl.DeviceError, RuntimeError)


@pytest.mark.parametrize("call", [lambda a, b: pydl.add(a, b), lambda a, b: a + b,
                                  lambda a, b: a * b, lambda a, b: pydl.maximum(a, b)])
def test_shape_mismatch_names_both_shapes(call):
    with pytest.raises(pydl.ShapeError) as info:
        call(pydl.zeros(2, 3), pydl.zeros(4))
    msg = str(info.value)
    assert "(2, 3)" in msg and "(4,)" in msg, msg


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(pydl.ShapeError) as info:
        pydl.zeros(2, 3) @ pydl.zeros(4, 5)
    assert "(2, 3)" in str(info.value) and "(4, 5)" in str(info.value)


def test_matmul_float32_with_int64_is_clear():
    a = pydl.tensor(np.ones((2, 3), np.float32))
    b = pydl.tensor(np.ones((3, 2), np.int64))
    try:
        out = pydl.matmul(a, b)
    except TypeError as e:                      # pydl.DTypeError is a TypeError
        assert "float32" in str(e) and "int64" in str(e), str(e)
    else:                                       # or it promotes, and then must be right
        assert out.dtype in (pydl.float32, pydl.float64)
        np.testing.assert_array_equal(out.numpy(), np.full((2, 2), 3.0))


def test_exp_of_int_tensor_computes_in_float32():
    # pydl's one rule for float-only ops on integer tensors: float32, its default float (NumPy gives float64);
    # tests/ops/test_op_table.py::test_unary_ops_on_integer_tensors pins it for every op of the table.
    out = pydl.exp(pydl.tensor([0, 1, 2]))
    assert out.dtype == pydl.float32
    np.testing.assert_allclose(out.numpy(), np.exp([0.0, 1.0, 2.0]), rtol=1e-6)


def test_tensor_of_strings_raises_type_error():
    with pytest.raises(TypeError) as info:
        pydl.tensor(["a"])
    assert str(info.value)


@pytest.mark.parametrize("call,axis", [(lambda t: pydl.sum(t, axis=5), "5"),
                                       (lambda t: pydl.argmax(t, axis=-3), "-3"),
                                       (lambda t: pydl.mean(t, axis=(0, 4)), "4"),
                                       (lambda t: pydl.softmax(t, axis=2), "2"),
                                       (lambda t: t.unsqueeze(4), "4")])
def test_axis_out_of_range_names_axis(call, axis):
    with pytest.raises(IndexError) as info:
        call(pydl.zeros(2, 3))
    assert axis in str(info.value), str(info.value)


@pytest.mark.parametrize("key", [5, -4, (0, 7), (3, 0), [0, 9], np.array([-5])])
def test_index_out_of_range(key):
    t = pydl.zeros(3, 4)
    with pytest.raises(IndexError):
        t[key]
    with pytest.raises(IndexError):
        t[key] = 1.0


def test_cuda_device_in_cpu_build_raises_device_error():
    if pydl.build_info()["cuda_compiled"]:
        pytest.skip("CUDA build")
    with pytest.raises(pydl.DeviceError) as info:
        pydl.tensor([1.0], device="cuda")
    assert "cuda" in str(info.value).lower()
    assert str(pydl.tensor([1.0], device="cpu").device) == "cpu"


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError):
        pydl.zeros(2, 3).reshape(4, 2)
    with pytest.raises(ValueError):
        pydl.zeros(2, 3).reshape(-1, -1)
