// Placeholder until the part lands (issue 8).
