/**
 * Schema, versioned with PRAGMA user_version. Each migration runs once, in its own transaction.
 * Add new migrations at the end; never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  -- Append-only: one row per accepted event, in commit order.
  CREATE TABLE journal (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    stream TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
  );

  -- Latest state image per schedule actor; recovery = snapshot + journal rows after meta.checkpoint_seq.
  CREATE TABLE snapshots (stream TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE concerts (
    concert_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    venue TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Double-entry ledger. User accounts can never go negative, enforced here and not only in memory.
  CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('USER', 'HOUSE')),
    balance INTEGER NOT NULL,
    CHECK (kind = 'HOUSE' OR balance >= 0)
  ) WITHOUT ROWID;

  CREATE TABLE transfers (
    transfer_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('CHARGE', 'PAYMENT', 'REFUND')),
    debit_account TEXT NOT NULL REFERENCES accounts(account_id),
    credit_account TEXT NOT NULL REFERENCES accounts(account_id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    at_ms INTEGER NOT NULL,
    reference TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE ledger_entries (
    entry_id INTEGER PRIMARY KEY,
    transfer_id TEXT NOT NULL REFERENCES transfers(transfer_id),
    account_id TEXT NOT NULL REFERENCES accounts(account_id),
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    reference TEXT NOT NULL
  );
  CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id, entry_id);

  -- Live queue tokens, kept as a state image row by row (a million tokens need no big snapshot).
  -- seq is the rowid: joins append at the end of the table and recovery reads it in order, sequentially.
  CREATE TABLE queue_tokens (
    seq INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('WAITING', 'ACTIVE')),
    issued_at_ms INTEGER NOT NULL,
    active_until_ms INTEGER NOT NULL
  );

  CREATE TABLE idempotency (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_by_age ON idempotency (created_at_ms);

  -- Reservations that ended without a sale (EXPIRED, CANCELLED) leave memory for this table, so a
  -- schedule's state and snapshot stay bounded by its seats however many holds come and go.
  -- A rowid table (rows of ~450 B do not belong in a WITHOUT ROWID B-tree) keyed by time-ordered ids,
  -- so inserts append instead of dirtying a random leaf per row.
  CREATE TABLE reservation_archive (
    reservation_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL,
    view TEXT NOT NULL,
    ended_at_ms INTEGER NOT NULL
  );
  CREATE INDEX reservation_archive_by_user ON reservation_archive (user_id, ended_at_ms);
  `,
  `
  -- v2: the whole waiting room packed in one row, written at a forced checkpoint (dropped in v4).
  -- A shortcut for recovery only: queue_tokens stays the truth, and the image counts only while no
  -- 'queue' journal row has a seq above journal_seq.
  CREATE TABLE queue_image (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    journal_seq INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    strings TEXT NOT NULL,
    numbers BLOB NOT NULL
  );
  `,
  `
  -- v3: ended reservations as compact columns instead of a JSON view (~380 B for two seats) behind a rowid
  -- and a unique index. Keyed by the time-ordered reservation id (inserts append), ~110 B a row, two B-trees
  -- instead of three (WAL frames per commit of a hold+cancel run, checkpoints included: 10.2 -> 8.7). The
  -- view (seat grades and prices, concert) is rebuilt from the schedule, which is always in memory.
  -- The totals per status live in meta, so a start does not count the whole table.
  CREATE TABLE ended_reservations (
    reservation_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('EXPIRED', 'CANCELLED')),
    seat_numbers TEXT NOT NULL,
    total_price INTEGER NOT NULL,
    held_at_ms INTEGER NOT NULL,
    hold_expires_at_ms INTEGER NOT NULL,
    ended_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX ended_reservations_by_user ON ended_reservations (user_id, ended_at_ms);
  INSERT INTO ended_reservations
    SELECT reservation_id, user_id, json_extract(view, '$.scheduleId'), status,
      (SELECT group_concat(json_extract(seat.value, '$.seatNumber'), ',') FROM json_each(view, '$.seats') AS seat),
      json_extract(view, '$.totalPrice'),
      CAST(round(unixepoch(json_extract(view, '$.heldAt'), 'subsec') * 1000) AS INTEGER),
      CAST(round(unixepoch(json_extract(view, '$.holdExpiresAt'), 'subsec') * 1000) AS INTEGER),
      ended_at_ms
    FROM reservation_archive WHERE status IN ('EXPIRED', 'CANCELLED');
  INSERT INTO meta (key, value) SELECT 'ended_expired', CAST(COUNT(*) AS TEXT) FROM ended_reservations WHERE status = 'EXPIRED';
  INSERT INTO meta (key, value) SELECT 'ended_cancelled', CAST(COUNT(*) AS TEXT) FROM ended_reservations WHERE status = 'CANCELLED';
  DROP TABLE reservation_archive;
  -- The house accounts exist from here on, so a transfer creates no account but a charged user's.
  INSERT INTO accounts (account_id, kind, balance) VALUES ('house:funding', 'HOUSE', 0), ('house:revenue', 'HOUSE', 0)
    ON CONFLICT (account_id) DO NOTHING;
  `,
  `
  -- v4: no packed waiting-room image. Once recovery's reader thread also built the indexes, a start from
  -- the token rows was faster than one from the image, and shutdowns no longer pack it (see queue-load.ts).
  DROP TABLE IF EXISTS queue_image;
  `,
  `
  -- v5: the first scan of each ticket at the door (a ticket is a seat of a confirmed reservation). The row is
  -- the check-in's durable record, written in the commit that acknowledges it; a start reads them all back.
  CREATE TABLE checkins (
    reservation_id TEXT NOT NULL,
    seat_number INTEGER NOT NULL,
    schedule_id TEXT NOT NULL,
    checked_in_at_ms INTEGER NOT NULL,
    PRIMARY KEY (reservation_id, seat_number)
  ) WITHOUT ROWID;
  `,
  `
  -- v6: the outbox. Every change a platform hears about (payment.completed, refund.created, ...) is a row
  -- here, written in the commit of the change itself: none is lost, none invented by a crash. seq is the
  -- event's id and order; webhook deliveries and the pull feed read from it.
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  -- Endpoints the organiser registered. cursor: every event up to it was attempted (or not subscribed).
  CREATE TABLE webhook_endpoints (
    endpoint_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT NOT NULL,
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    cursor INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- One row per (event, endpoint) once attempted: its retries, and PARKED once they ran out. Keyed by the
  -- event first, so retention deletes the oldest rows as a range.
  CREATE TABLE webhook_deliveries (
    endpoint_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'PARKED')),
    attempts INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    last_attempt_at_ms INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error TEXT,
    PRIMARY KEY (event_seq, endpoint_id)
  ) WITHOUT ROWID;
  CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, event_seq);
  CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status) WHERE status = 'PENDING';
  `,
  // v7: an archived reservation remembers whether it was a waitlist offer (its view says so for good).
  `
  ALTER TABLE ended_reservations ADD COLUMN offer INTEGER NOT NULL DEFAULT 0;
  `,
  // v8: venue layouts the organisers imported, kept as imported (validated on the way in).
  `
  CREATE TABLE venue_layouts (
    layout_id TEXT PRIMARY KEY,
    layout TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // v9: each layout's summary as computed at its import, so reading layouts back never validates one again.
  // Rows imported under v8 have none until the engine opens and fills them in (LayoutStore.fillSummaries).
  `
  ALTER TABLE venue_layouts ADD COLUMN summary TEXT;
  `,
  // v10: each concert's place in creation order. Concerts created in one millisecond (a seeded catalogue) were
  // read back in the order of their random ids; rows from before are numbered in that order, as they were read.
  `
  ALTER TABLE concerts ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
  UPDATE concerts SET position = (
    SELECT COUNT(*) FROM concerts AS earlier
    WHERE earlier.created_at_ms < concerts.created_at_ms
       OR (earlier.created_at_ms = concerts.created_at_ms AND earlier.concert_id < concerts.concert_id)
  );
  `,
  // v11: per-sale waiting rooms (src/rooms). A room and its pre-queue's seed (revealed after the opening); its tokens
  // row by row, kept after they end (ENDED) once the room is open, since they are its entrant list (the pre-queue's,
  // closed at the opening) and its late arrivals (arrival order); its admission log, a hash chain, a row each.
  `
  CREATE TABLE rooms (
    room_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    schedule_ids TEXT NOT NULL,
    opens_at_ms INTEGER NOT NULL,
    rate_per_minute INTEGER,
    max_active INTEGER NOT NULL,
    seed TEXT NOT NULL,
    commitment TEXT NOT NULL,
    opened_at_ms INTEGER,
    entrants_digest TEXT,
    created_at_ms INTEGER NOT NULL,
    position INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- A join appends a row (rowid order is join order) and files its token in the token index; an admission
  -- appends one row to the log.
  CREATE TABLE room_tokens (
    token TEXT NOT NULL UNIQUE,
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    arrival INTEGER NOT NULL,
    late INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('WAITING', 'ACTIVE', 'ENDED')),
    issued_at_ms INTEGER NOT NULL,
    active_until_ms INTEGER NOT NULL
  );
  CREATE TABLE room_admissions (
    room_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entrant_id TEXT NOT NULL,
    admitted_at_ms INTEGER NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (room_id, seq)
  ) WITHOUT ROWID;
  `,
];
