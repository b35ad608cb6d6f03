"""Analyses on top of solve: the price of each rule (explain) and infeasibility diagnosis."""
