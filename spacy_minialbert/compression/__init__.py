"""Smaller and faster inference: int8 dynamic quantization of linear layers, reduced-precision
computation (bfloat16/float16 autocast) and half-precision storage of saved weights."""

from .int8 import (
    Int8DynamicLinear,
    cpu_has_vnni,
    install_int8_linears,
    int8_linear_names,
    quantize_linears,
)
from .precision import (
    INFERENCE_DTYPES,
    STORAGE_DTYPES,
    check_inference_dtype,
    check_storage_dtype,
    cpu_supports,
    inference_precision,
    resolve_inference_dtype,
)
from .storage import state_bytes, storage_state

__all__ = [
    "INFERENCE_DTYPES",
    "STORAGE_DTYPES",
    "Int8DynamicLinear",
    "check_inference_dtype",
    "check_storage_dtype",
    "cpu_has_vnni",
    "cpu_supports",
    "inference_precision",
    "install_int8_linears",
    "int8_linear_names",
    "quantize_linears",
    "resolve_inference_dtype",
    "state_bytes",
    "storage_state",
]
