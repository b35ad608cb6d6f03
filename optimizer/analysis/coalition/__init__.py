"""Coalition analysis (issue 15): plan jointly with allies, the cost of fragmentation, a fair split.

This package will hold the analysis of a group of allied buyers planning together: each
coalition's joint plan and cost c(S), the members' stand-alone costs c({i}), the cost of
fragmentation sum_i c({i}) - c(N), and a split of the joint cost c(N) among the members
(Shapley value, core check, nucleolus, proportional reference; the pure game theory is in
:mod:`.game`). Nothing is exported here yet.
"""
