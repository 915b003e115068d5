"""Keys and budgets watched (`svc status`, docs/operations.md): each key's ETH and each issuer budget's remaining
part, thresholds from the `status:` section of servicecoin.yaml, a warning and one e-mail to the operator when
one runs low, and the same figures as Prometheus gauges on the /metrics of `svc serve` and `svc agent serve`.

    settings.py  the `status:` section (min_eth, min_budget_share, alert_email, keys)
    balances.py  Watch: which keys and issuers, and their figures read from the chain
    alerts.py    warnings, and at most one e-mail per key or budget per UTC day (recorded before it is sent)
    metrics.py   a prometheus-client collector of the same figures, cached for a few seconds
"""

from servicecoin.watch.balances import Watch
from servicecoin.watch.settings import StatusSettings

__all__ = ["StatusSettings", "Watch"]
