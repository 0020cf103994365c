#!/usr/bin/env python3
"""Prints a Fanyi model file as Python's safetensors package reads it: one line per tensor,
name<TAB>shape<TAB>first four values (repr of float32, comma-separated), plus the metadata.

Used to make Tests/Seq2SeqTests/Fixtures/tiny-model.python.txt:
    pip install safetensors numpy
    python3 scripts/check-model-fixture.py Tests/Seq2SeqTests/Fixtures/tiny-model.safetensors \
        > Tests/Seq2SeqTests/Fixtures/tiny-model.python.txt
"""
import sys

import safetensors
from safetensors import safe_open

path = sys.argv[1]
with safe_open(path, framework="numpy") as f:
    metadata = f.metadata()
    print(f"# read by safetensors {safetensors.__version__}; metadata keys: {', '.join(sorted(metadata))}")
    for name in sorted(f.keys()):
        tensor = f.get_tensor(name)
        first = ",".join(repr(float(v)) for v in tensor.reshape(-1)[:4])
        print(f"{name}\t{','.join(str(d) for d in tensor.shape)}\t{first}")
