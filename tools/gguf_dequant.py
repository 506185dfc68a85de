"""transformers 4.44.2's GGUF loader, with gguf-py's dequantize for the ggml types it lacks.

transformers 4.44.2 (modeling_gguf_pytorch_utils.load_dequant_gguf_tensor) dequantizes only
F32/F16/Q8_0/Q4_0/Q2_K..Q6_K and raises NotImplementedError for the others (Q4_1, Q5_0, Q5_1,
BF16, ...). install() wraps it so that those fall back to gguf.quants.dequantize, keeping the rest
of transformers' path (load_gguf_checkpoint: config, tensor names, q/k un-permutation) as it is.
Used by tools/make_gguf_fixtures.py, tools/check_smollm2.py and tools/eval_reference.py:

    import gguf_dequant
    gguf_dequant.install()
"""
import numpy as np
from gguf import GGMLQuantizationType
from gguf.quants import dequantize

import transformers.modeling_gguf_pytorch_utils as mg

_orig_load = mg.load_dequant_gguf_tensor


def _load_dequant(shape, ggml_type, data, n_bytes):
    try:
        return _orig_load(shape=shape, ggml_type=ggml_type, data=data, n_bytes=n_bytes)
    except NotImplementedError:
        return dequantize(np.asarray(data), GGMLQuantizationType(ggml_type)).reshape(shape[::-1])


def install():
    """Patches transformers' load_dequant_gguf_tensor (idempotent)."""
    mg.load_dequant_gguf_tensor = _load_dequant
