"""imscheck: policy-as-code conformity checks for integrated management systems."""

__version__ = "0.1.0"
