"""Alliance clearing in money: who owes whom for points issued at one merchant and spent at another.

    periods    a settlement period (calendar month or token epoch): its bounds and on-chain label
    terms      the clearing terms in force at any time, replayed from the Settlement contract's events
    flows      the index's movements in a time window, attributed to parties (issued, redeemed, inflows)
    clearing   the statement: per party figures, breakage shares, liability change, the zero-sum check
    transfers  "who pays whom": the fewest-transfer plan with a deterministic tie-break
    document   the statement's canonical JSON, its hash, its CSV
    onchain    publish, acknowledge (EIP-712), status and verify against the Settlement contract
"""
