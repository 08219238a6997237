import numpy as np
import pytest

from grader.harness.codec import (
    CodecError,
    FuncDesc,
    MethodDesc,
    ObjDesc,
    Ref,
    Spec,
    Unsupported,
    decode,
    encode,
)
from grader.harness.protocol import CHILD_OP, FrameReader, ProtocolError, pack


def roundtrip(value, **kw):
    return decode(encode(value, **kw))


def test_plain_values_roundtrip():
    value = {"a": [1, 2.5, None, True, "x", (3, 4)], "nan": float("nan"), "b": b"\x00\x01",
             "arr": np.arange(6, dtype=np.int32).reshape(2, 3), "s": np.float32(1.5),
             "big": 2**70, "c": np.array([1 + 2j]), "empty": np.zeros((0, 3))}
    out = roundtrip(value)
    assert out["a"] == [1, 2.5, None, True, "x", (3, 4)]
    assert np.isnan(out["nan"])
    assert out["b"] == b"\x00\x01"
    assert out["arr"].dtype == np.int32 and out["arr"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert out["s"] == np.float32(1.5) and isinstance(out["s"], np.float32)
    assert out["big"] == float(2**70)
    assert out["c"][0] == 1 + 2j and out["empty"].shape == (0, 3)


def test_big_endian_and_non_contiguous_arrays():
    a = np.arange(12, dtype=">f8").reshape(3, 4)[:, ::2]
    out = roundtrip(a)
    assert out.dtype == np.dtype("<f8") and out.tolist() == a.tolist()


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
    (Liar(), "Liar", ""),
    (np.array([1, "a"], dtype=object), "numpy.ndarray", "dtype object"),
    (np.zeros(3).view(MyArray), "MyArray", "ndarray subclass"),
    (np.array(["a"]), "numpy.ndarray", "dtype <U1"),
])
def test_foreign_values_become_unsupported(value, type_name, detail):
    out = roundtrip(value)
    assert isinstance(out, Unsupported)
    assert out.type_name.endswith(type_name)
    assert out.detail == detail


def test_float_subclass_is_unsupported():
    class F(float):
        def __eq__(self, other):
            return True
    assert isinstance(roundtrip(F(1.0)), Unsupported)


def test_markers_roundtrip_and_describer():
    value = [Ref(3), Spec("nndl.fc_net:FullyConnectedNet"), ObjDesc("m:C", {"x": 1}),
             MethodDesc(ObjDesc("m:C", {}), "forward"), FuncDesc("m:f")]
    out = roundtrip(value)
    assert out[0] == Ref(3) and out[1] == Spec("nndl.fc_net:FullyConnectedNet")
    assert out[2].cls == "m:C" and out[2].state == {"x": 1}
    assert out[3].name == "forward" and out[4].spec == "m:f"
    described = roundtrip(Liar(), describer=lambda o: ObjDesc("t:Liar", {}))
    assert isinstance(described, ObjDesc)


@pytest.mark.parametrize("data,message", [
    (b"a\x02<O\x01" + bytes(8) + b"\x08" + bytes(7) + bytes(8), "not allowed"),
    (b"a\x03<f8\x01" + (2).to_bytes(8, "little") + (8).to_bytes(8, "little") + bytes(8),
     "does not match"),
    (b"s\xff\xff\xff\x00", "too long"),
    (b"l\xff\xff\xff\x00", "too many items"),
    (b"X", "unknown node type"),
    (b"i\x00\x00", "truncated"),
    (b"N" + b"junk", "stray bytes"),
    (b"o" + (1).to_bytes(4, "little") + b"x" + b"N", "not a dict"),
    (b"l\x01\x00\x00\x00" * 40 + b"N", "nested too deeply"),
])
def test_malformed_encodings_are_refused(data, message):
    with pytest.raises(CodecError, match=message):
        decode(data)


def test_size_limit_when_encoding():
    with pytest.raises(CodecError, match="larger than"):
        encode(np.zeros(1000), max_bytes=100)


def test_frames_stream_and_limits():
    data = pack({"x": np.arange(3.0)}) + pack([1, 2], CHILD_OP)
    reader = FrameReader(limit=1 << 20)
    reader.feed(data)
    first = reader.next_frame()
    second = reader.next_frame()
    assert first[0] == b"S" and second == (b"C", [1, 2])
    assert reader.next_frame() is None
    small = FrameReader(limit=10)
    small.feed(data)
    with pytest.raises(ProtocolError, match="over the limit"):
        small.next_raw()
    bad = FrameReader(limit=1 << 20)
    bad.feed(b"XX" + data[2:])
    with pytest.raises(ProtocolError, match="bad frame magic"):
        bad.next_raw()
    total = FrameReader(limit=1 << 20, total_limit=8)
    with pytest.raises(ProtocolError, match="more than 8 bytes"):
        total.feed(data)
