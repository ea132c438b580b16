"""Writes of the charity app: `ledger` (money), `lists` (needs, resources, projects),
`sources` (sources and funds) and `supermarket` (points redemptions, in-kind donations)."""
