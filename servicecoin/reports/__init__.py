"""Reports from the index: statements, transparency (published by the owner), analytics, charts, settlement.

    transparency  issued, spent, refunded, expired, outstanding and budgets, reconciled with the chain
    analytics     customers, repeat purchases, redemption, lifetime value, feedback; alliance settlement
    charts        PNG charts and an HTML page of the analytics
    text          reports laid out as text for people (a customer's statement)

Each module is imported where it is used (`from servicecoin.reports.transparency import …`).
"""
