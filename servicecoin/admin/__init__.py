"""Running the program without writing contract calls by hand: merchants, settings, roles, single credits.

    actions       a plan of contract calls (what a command will do, in words): checked by simulation, then
                  sent, or written unsigned as JSON and as a Safe Transaction Builder batch
    program       the program's contracts by their short names (token, vault, log); the deployment file
    merchants     onboarding and offboarding a merchant (every power on every contract), the merchant list
    settings      budgets, tiers, transfer policy, pause, discount rate and caps, notice period, windows, the
                  log's rewards, role grants
    handover      the default admin role moved in two steps (begin, accept after the delay, cancel)
    roles_report  who holds which role (from RoleGranted/RoleRevoked events), the admin handover state
    credit        one credit for a till: strict points, a reason, a reference that is paid once
    recovery      wallet recovery: start, cancel and complete moving a lost wallet's points to a new
                  address; its status, and every recovery read from the token's events (sends itself;
                  start_call/cancel_call/complete_call give the bare calls for a plan)

Each planning function returns an `actions.Plan` and sends nothing; `svc merchant`, `svc admin` and
`svc issue` show, confirm, send or write it with one shared function (cli/plan.py). A new admin
command is a planning function here and, in its cli module, a function decorated with
`@plan_command()` that returns its plan: it gets --from, --unsigned, --yes, --network and --json.
"""
