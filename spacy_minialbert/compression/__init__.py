"""Smaller and faster inference: int8 dynamic quantization of linear layers, reduced-precision
computation (bfloat16/float16 autocast) and half-precision storage of saved weights."""

from .int8 import Int8DynamicLinear, install_int8_linears, int8_linear_names, quantize_linears
from .precision import cpu_supports, resolve_inference_dtype, state_bytes, storage_state

__all__ = [
    "Int8DynamicLinear",
    "cpu_supports",
    "install_int8_linears",
    "int8_linear_names",
    "quantize_linears",
    "resolve_inference_dtype",
    "state_bytes",
    "storage_state",
]
