"""One screen per wizard step: hardware -> workload -> recommendation -> guide (and the JSON view)."""
