"""The stacks of one stage: data, compute, workflows, api, live, monitoring."""
