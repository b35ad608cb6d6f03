"""The analyst workbench: a Streamlit application on the trustsource library (``trustsource ui``;
installed with the ``ui`` extra)."""
