"""Reads ICRL checkpoints (the safetensors container) with the standard library and numpy.

A checkpoint is one safetensors file: an 8-byte little-endian header length, a JSON header
naming every tensor (dtype ``F32``, shape, byte offsets into the data block), then the data.
ICRL's ``__metadata__`` adds ``config`` (the model config JSON), ``extra.run_config`` (the
whole run config it was trained under), ``fingerprint`` (hex) and ``checksum``
(``crc32:XXXXXXXX`` over the data block). Tensor names carry a prefix:
``online.`` (the weights actors run), ``target.``, ``adam.m.``, ``adam.v.``.
"""
import json
import struct
import zlib

import numpy as np


class CheckpointError(ValueError):
    """A file that is not a readable ICRL checkpoint; the message says what is wrong."""


def load(path):
    """Returns ``(tensors, metadata)``: tensor name -> float32 array, and the metadata dict."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise CheckpointError(f"{path}: {len(raw)} bytes, too short for a safetensors header")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise CheckpointError(f"{path}: header length {n} runs past the end of the file ({len(raw)} bytes)")
    try:
        header = json.loads(raw[8 : 8 + n])
    except ValueError as error:
        raise CheckpointError(f"{path}: header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    data = raw[8 + n :]
    if "checksum" in meta:
        actual = "crc32:%08x" % (zlib.crc32(data) & 0xFFFFFFFF)
        if actual != meta["checksum"]:
            raise CheckpointError(f"{path}: data checksum {actual} != {meta['checksum']} (the file is damaged)")
    tensors = {}
    for name, entry in header.items():
        if entry.get("dtype") != "F32":
            raise CheckpointError(f"{path}: tensor {name} has dtype {entry.get('dtype')}, expected F32")
        begin, end = entry["data_offsets"]
        shape = [int(s) for s in entry["shape"]]
        if not (0 <= begin <= end <= len(data)) or end - begin != 4 * int(np.prod(shape, dtype=np.int64)):
            raise CheckpointError(f"{path}: tensor {name} offsets {begin}..{end} do not fit shape {shape}")
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(shape)
    return tensors, meta


def load_model(path):
    """Returns ``(model_config, online_params, run_config)`` of a checkpoint: the model config
    dict, the online weights by name without the ``online.`` prefix, and the run config dict
    (None in checkpoints written without one)."""
    tensors, meta = load(path)
    if "config" not in meta:
        raise CheckpointError(f"{path}: no model config in the metadata (not an ICRL checkpoint?)")
    config = json.loads(meta["config"])
    run_config = json.loads(meta["extra.run_config"]) if "extra.run_config" in meta else None
    params = {name[len("online.") :]: t for name, t in tensors.items() if name.startswith("online.")}
    if not params:
        raise CheckpointError(f"{path}: no online.* tensors")
    return config, params, run_config
