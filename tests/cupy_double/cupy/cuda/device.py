from . import Device  # noqa: F401  (array_api_compat.cupy reads it here)
