"""`python -m llama_cpp.server`, with llama.cpp's extra weight buffer types turned off.

On CPUs with AMX (recent Xeons), llama.cpp repacks the weights into AMX buffers at load, and decoding then
crashes with a segmentation fault (llama-cpp-python 0.3.35 and 0.3.36 built from source, measured on this
machine: the process dies on the first completion). Without the extra buffer types the weights stay in
plain CPU buffers, which every CPU runs. Same arguments as `python -m llama_cpp.server`."""
import runpy

import llama_cpp.llama_cpp as C

_default_params = C.llama_model_default_params


def _params():  # type: ignore[no-untyped-def]
    p = _default_params()
    if hasattr(p, "use_extra_bufts"):
        p.use_extra_bufts = False
    return p


C.llama_model_default_params = _params
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
