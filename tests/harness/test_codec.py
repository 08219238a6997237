import numpy as np
import pytest

from grader.harness.codec import CodecError, Unsupported, decode, encode
from grader.harness.protocol import FrameBuffer, ProtocolError, pack, unpack_all, unpack_prefix


def roundtrip(value):
    skel, bufs = encode(value)
    return decode(skel, bufs)


def test_plain_values_roundtrip():
    value = {"a": [1, 2.5, None, True, "x", (3, 4)], "nan": float("nan"), "b": b"\x00\x01",
             "arr": np.arange(6, dtype=np.int32).reshape(2, 3), "s": np.float32(1.5)}
    out = roundtrip(value)
    assert out["a"] == [1, 2.5, None, True, "x", (3, 4)]
    assert np.isnan(out["nan"])
    assert out["b"] == b"\x00\x01"
    assert out["arr"].dtype == np.int32 and out["arr"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert out["s"] == np.float32(1.5)


def test_decoded_arrays_are_writable_copies():
    arr = roundtrip(np.ones(3))
    arr[0] = 5.0
    assert arr.flags.writeable


class Liar:
    def __eq__(self, other):
        return True


class MyArray(np.ndarray):
    pass


@pytest.mark.parametrize("value,type_name,detail", [
    (Liar(), "tests.harness.test_codec.Liar", ""),
    (np.array([1, "a"], dtype=object), "numpy.ndarray", "dtype object"),
    (np.zeros(3).view(MyArray), "tests.harness.test_codec.MyArray", "ndarray subclass"),
    (np.array(["a"]), "numpy.ndarray", "dtype <U1"),
])
def test_foreign_values_become_unsupported(value, type_name, detail):
    out = roundtrip(value)
    assert isinstance(out, Unsupported)
    assert out.type_name.endswith(type_name.split(".")[-1])
    assert out.detail == detail


def test_float_subclass_is_unsupported():
    class F(float):
        def __eq__(self, other):
            return True
    assert isinstance(roundtrip(F(1.0)), Unsupported)


@pytest.mark.parametrize("skel,bufs,message", [
    ({"t": "ndarray", "dtype": "|O", "shape": [1], "buf": 0}, [b"\0" * 8], "is not allowed"),
    ({"t": "ndarray", "dtype": "<f8", "shape": [2], "buf": 0}, [b"\0" * 8], "does not match"),
    ({"t": "ndarray", "dtype": "<f8", "shape": [-1], "buf": 0}, [b""], "bad shape"),
    ({"t": "ndarray", "dtype": "<f8", "shape": [1], "buf": 3}, [b"\0" * 8], "buffer index"),
    ({"t": "pickle", "v": "x"}, [], "unknown node type"),
    ({"t": "dict", "items": [[1, {"t": "none"}]]}, [], "bad dict item"),
    ("nope", [], "not an object"),
])
def test_malformed_skeletons_are_refused(skel, bufs, message):
    with pytest.raises(CodecError, match=message):
        decode(skel, bufs)


def test_frames_stream_and_limits():
    data = pack({"x": np.arange(3.0)}) + pack([1, 2])
    frames = unpack_all(data)
    assert frames[1] == [1, 2]
    buf = FrameBuffer(limit=10)
    with pytest.raises(ProtocolError, match="more than 10 bytes"):
        buf.feed(data)
    frames, error = unpack_prefix(data + b"GRF1garbage-garbage")
    assert len(frames) == 2 and error
    with pytest.raises(ProtocolError, match="bad frame magic"):
        unpack_all(b"XXXX" + data[4:])
