"""Operations the UI and the CLI share: validated writes (row + outbox in one transaction) and
read models returned as frozen dataclasses. Qt-free; callers run them on the database thread.

Every operation takes the replica's `Engine` first and keyword-only arguments after it. Errors a
person can act on are `ValidationError` (every problem with the input, from `desktop.domain`),
`RecordNotFound` (an unknown id) and `StoreError` (the data file itself: damaged, read-only,
disk full); a refused operation has written nothing.

- `customers`: add, edit, archive, restore, the paged and filtered list
- `contacts`: add, edit, archive
- `activities`: log (with an optional follow-up), amend, the timeline
- `followups`: add, done, the lists mine / today / overdue
- `opportunities`: add, edit, move stage, won, lost
- `customer_file`: the 360° view of one customer
- `analyses`: ABC classes, churn candidates, weighted forecast (rules in `desktop.domain`)
- `reference`: users, teams, pipelines, stages, picklists, finding a user by login
- `status`: pending changes, the signed-in user
"""
