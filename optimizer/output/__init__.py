"""Outputs: plan exports (CSV, Parquet, xlsx, JSON) and the HTML report; they never solve."""
