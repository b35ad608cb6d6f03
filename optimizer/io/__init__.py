"""Instance and plan formats beyond YAML/JSON: Excel workbooks, CSV folders, exports, reports."""
